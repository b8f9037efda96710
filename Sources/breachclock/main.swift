import BreachClockCLI

await BreachClockCommand.runMain()
