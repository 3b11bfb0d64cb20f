using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dstack.Core.Backends;
using Dstack.Core.Runs;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack offers</c>: what every configured backend can run now, and why a backend offers nothing.</summary>
internal sealed class OffersCommand : DstackCommand
{
    private static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print the offers and notes as JSON (for scripts).",
    };

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly CliContext _context;

    public OffersCommand(IAnsiConsole console, CliContext context)
        : base("offers", "List the machines every configured backend offers now (this machine, SSH hosts, cloud instances).", console)
    {
        _context = context;
        Options.Add(JsonOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var backends = await _context.FindOffersAsync(ResourceRequest.None, cancellationToken);
        if (parseResult.GetValue(JsonOption))
        {
            var document = new
            {
                Offers = backends.SelectMany(b => b.Search.Offers).OrderBy(o => o.PricePerHour ?? 0).Select(o => new
                {
                    o.Backend,
                    o.Region,
                    o.InstanceType,
                    o.Resources.Cpus,
                    o.Resources.MemoryBytes,
                    Gpus = o.Resources.Gpus.Select(g => new { g.Name, g.MemoryBytes }),
                    o.Resources.DiskBytes,
                    o.Spot,
                    o.PricePerHour,
                    o.Availability,
                }),
                Notes = backends.SelectMany(b => b.Search.Rejections),
            };
            // Raw text, not markup: the output is meant for other programs.
            await Console.Profile.Out.Writer.WriteLineAsync(JsonSerializer.Serialize(document, Json));
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumns("BACKEND", "REGION", "INSTANCE", "RESOURCES", "SPOT", "PRICE", "AVAILABILITY");
        foreach (var offer in backends.SelectMany(b => b.Search.Offers).OrderBy(o => o.PricePerHour ?? 0))
        {
            table.AddRow(
                new Text(offer.Backend),
                new Text(offer.Region),
                new Text(offer.InstanceType),
                new Text(ResourceMatcher.Describe(offer.Resources)),
                new Text(offer.Spot ? "yes" : "no"),
                new Text(offer.PricePerHour is { } price ? "$" + price.ToString("0.####", CultureInfo.InvariantCulture) : "-"),
                new Text(offer.Availability));
        }

        Console.Write(table);
        foreach (var rejection in backends.SelectMany(b => b.Search.Rejections))
        {
            Console.MarkupLineInterpolated($"[yellow]note:[/] {rejection}");
        }

        if (backends.Count == 0)
        {
            Console.MarkupLine("No backend is configured.");
        }

        return ExitCodes.Ok;
    }
}
