using Dstack.Cli;
using Spectre.Console;

// The only place that touches the process console; everything else gets this IAnsiConsole.
var console = AnsiConsole.Create(new AnsiConsoleSettings());
return await DstackCli.RunAsync(args, console);
