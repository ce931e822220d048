from herosim.cli import main

main()
