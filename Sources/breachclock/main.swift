import BreachClockCLI
BreachClockCommand.main()
