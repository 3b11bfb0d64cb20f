using System.CommandLine;
using Dstack.Cli;
using Spectre.Console;

// The only place that touches the process console; everything else gets this IAnsiConsole.
Timing.Mark("main");
var console = AnsiConsole.Create(new AnsiConsoleSettings());
if (Console.IsOutputRedirected)
{
    // Piped output is read by programs and pasted by people: wrapped at 80 columns, a command in a message broke in two.
    console.Profile.Width = 4096;
}


// Ctrl+C cancels the command's token; `dstack run` then asks whether to stop the run or detach, and `dstack server`
// shuts its worker down cleanly. System.CommandLine's default would end the process 2 s after Ctrl+C, mid-prompt.
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(10) };
Timing.Mark("console");
return await DstackCli.RunAsync(args, console, configuration);
