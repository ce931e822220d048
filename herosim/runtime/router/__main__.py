import sys

from herosim.runtime.router.process import main

sys.exit(main())
