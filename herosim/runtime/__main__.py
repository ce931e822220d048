import sys

from herosim.runtime.entry import main

sys.exit(main())
