using System.CommandLine;
using Dstack.Cli;
using Spectre.Console;

// The only place that touches the process console; everything else gets this IAnsiConsole.
var timing = Timing.FromEnvironment(Environment.GetEnvironmentVariable, Console.Error);
timing.Mark("main");
var console = AnsiConsole.Create(new AnsiConsoleSettings());
if (Console.IsOutputRedirected)
{
    // Piped output is read by programs and pasted by people: wrapped at 80 columns, a command in a message broke in two.
    console.Profile.Width = 4096;
}


// Ctrl+C and SIGTERM cancel the command's token; `dstack run` then asks whether to stop the run or detach (without a
// terminal it stops it), and `dstack server` shuts its worker down cleanly. Handled here, not by System.CommandLine,
// whose handler ends the process after a timeout and cannot tell the two signals apart (see Interrupts).
using var interrupts = new Interrupts();
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null };
timing.Mark("console");
return await DstackCli.RunAsync(args, console, CliContext.CreateDefault(console) with { Timing = timing }, configuration, interrupts.Token);
