import BreachClockCLI

await BreachClockCommand.main()
