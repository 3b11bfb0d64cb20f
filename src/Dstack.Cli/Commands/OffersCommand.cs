using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dstack.Core;
using Dstack.Core.Backends;
using Dstack.Core.Configuration;
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

    private static readonly Option<string?> GpuOption = new("--gpu")
    {
        Description = "Only machines with these GPUs, written as resources.gpu and `dstack run --gpu` (e.g. A100, 2, A100:80GB:2, 24GB.., A10G,L4:1..2).",
    };

    private static readonly Option<string?> CpuOption = new("--cpu") { Description = "Only machines with these CPUs, as resources.cpu (e.g. 4, 8..)." };

    private static readonly Option<string?> MemoryOption = new("--memory") { Description = "Only machines with this memory, as resources.memory (e.g. 64GB, 16GB..)." };

    private static readonly Option<string?> DiskOption = new("--disk") { Description = "Only machines with this disk, as resources.disk (e.g. 200GB..)." };

    private static readonly Option<bool> SpotOption = new("--spot")
    {
        Description = "Only spot (interruptible) offers.",
    };

    private static readonly Option<bool> OnDemandOption = new("--on-demand")
    {
        Description = "Only on-demand offers.",
    };

    private static readonly Option<string[]> RegionOption = new("--region")
    {
        Description = "Only cloud offers in this region (repeatable).",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<decimal?> MaxPriceOption = new("--max-price")
    {
        Description = "Only offers at most this price per hour (USD); offers with an unknown price are left out.",
    };

    private static readonly Option<string[]> LabelOption = new("--label")
    {
        Description = "Only machines with this label (an SSH host's labels in the config; repeatable: all of them).",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<bool> RefreshOption = new("--refresh")
    {
        Description = "First read the cloud backends' on-demand prices from the clouds' public price lists (AWS Price List Bulk API) "
            + "into the dstack folder, where they replace the prices shipped with dstack.",
    };

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly CliContext _context;

    public OffersCommand(IAnsiConsole console, CliContext context)
        : base("offers", "List the machines every configured backend offers now (this machine, SSH hosts, cloud instances).", console)
    {
        _context = context;
        Options.Add(JsonOption);
        Options.Add(GpuOption);
        Options.Add(CpuOption);
        Options.Add(MemoryOption);
        Options.Add(DiskOption);
        Options.Add(SpotOption);
        Options.Add(OnDemandOption);
        Options.Add(RegionOption);
        Options.Add(MaxPriceOption);
        Options.Add(LabelOption);
        Options.Add(RefreshOption);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var json = parseResult.GetValue(JsonOption);

        // Read as `dstack run` reads them, before anything is refreshed or asked: a bad value is a usage error.
        var request = ResourceRequestFactory.Create(ResourceOverrides.Apply(ResourceSpec.None, new RunOverrides
        {
            Gpu = parseResult.GetValue(GpuOption),
            Cpu = parseResult.GetValue(CpuOption),
            Memory = parseResult.GetValue(MemoryOption),
            Disk = parseResult.GetValue(DiskOption),
        }));
        var refreshed = parseResult.GetValue(RefreshOption) ? await RefreshAsync(cancellationToken) : [];

        var backends = await _context.FindOffersAsync(request, cancellationToken);
        var all = backends.SelectMany(b => b.Search.Offers).ToList();
        var onDemand = all.Where(o => !o.Spot).GroupBy(o => (o.Backend, o.Region, o.InstanceType)).ToDictionary(g => g.Key, g => g.First().PricePerHour);
        var spot = parseResult.GetValue(SpotOption);
        var onDemandOnly = parseResult.GetValue(OnDemandOption);
        var regions = parseResult.GetValue(RegionOption) ?? [];
        var maxPrice = parseResult.GetValue(MaxPriceOption);
        var labels = parseResult.GetValue(LabelOption) ?? [];

        // Cheapest first; an unknown price after every known one. --max-price cannot vouch for an unknown price, so it
        // leaves those offers out, and says so.
        var matching = all
            .Where(o => (!spot || o.Spot) && (!onDemandOnly || !o.Spot))
            .Where(o => regions.Length == 0 || o.Backend == BackendType.Local.ToConfigName() || o.Backend == BackendType.Ssh.ToConfigName() || regions.Contains(o.Region, StringComparer.Ordinal))
            .Where(o => labels.All(l => o.Labels?.Contains(l, StringComparer.Ordinal) == true))
            .ToList();
        var offers = matching
            .Where(o => maxPrice is not { } max || o.PricePerHour is { } p && p <= max)
            .OrderBy(o => o.PricePerHour is null).ThenBy(o => o.PricePerHour)
            .ToList();
        var notes = backends.SelectMany(b => b.Search.Rejections).ToList();
        var unknown = maxPrice is null ? 0 : matching.Count(o => o.PricePerHour is null);
        if (unknown > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{unknown} {(unknown == 1 ? "offer" : "offers")} with an unknown price left out by --max-price {maxPrice}"));
        }

        if (json)
        {
            var document = new
            {
                Offers = offers.Select(o => new
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
                    OnDemandPricePerHour = onDemand.GetValueOrDefault((o.Backend, o.Region, o.InstanceType)),
                    o.Availability,
                    Labels = o.Labels ?? [],
                }),
                Notes = notes,
                Refreshed = refreshed.Select(r => new { r.Backend, r.Regions, r.Known, r.Unknown, r.Path, r.Source }),
            };
            // Raw text, not markup: the output is meant for other programs.
            await Console.Profile.Out.Writer.WriteLineAsync(JsonSerializer.Serialize(document, Json));
            return ExitCodes.Ok;
        }
        foreach (var refresh in refreshed)
        {
            Console.MarkupLineInterpolated($"Refreshed the {refresh.Backend} on-demand prices of {string.Join(", ", refresh.Regions)} ({refresh.Known} known, {refresh.Unknown} unknown) into {refresh.Path}");
        }

        var labelled = offers.Any(o => o.Labels is { Count: > 0 });
        var table = new Table().AddColumns("BACKEND", "REGION", "INSTANCE", "RESOURCES", "SPOT", "PRICE", "ON-DEMAND", "AVAILABILITY");
        if (labelled)
        {
            table.AddColumn("LABELS");
        }

        foreach (var offer in offers)
        {
            var cells = new List<Text>
            {
                new(offer.Backend),
                new(offer.Region),
                new(offer.InstanceType),
                new(ResourceMatcher.Describe(offer.Resources)),
                new(offer.Spot ? "yes" : "no"),
                new(Money(offer.PricePerHour)),
                new(Money(onDemand.GetValueOrDefault((offer.Backend, offer.Region, offer.InstanceType)))),
                new(offer.Availability),
            };
            if (labelled)
            {
                cells.Add(new Text(string.Join(", ", offer.Labels ?? [])));
            }

            table.AddRow(cells);
        }

        Console.Write(table);
        foreach (var rejection in notes)
        {
            Console.MarkupLineInterpolated($"[yellow]note:[/] {rejection}");
        }

        if (backends.Count == 0)
        {
            Console.MarkupLine("No backend is configured.");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Refreshes the prices before listing; a failed refresh changes nothing and ends the command.</summary>
    private async Task<IReadOnlyList<PriceRefresh>> RefreshAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<PriceRefresh> refreshed;
        try
        {
            refreshed = await _context.RefreshPricesAsync(cancellationToken);
        }
        catch (DstackException e) when (e is not CommandException)
        {
            throw new CommandException($"Could not refresh the prices: {e.Message} Nothing was changed: dstack keeps using the prices it had. Try again when online.");
        }

        if (refreshed.Count == 0)
        {
            throw new CommandException("--refresh: no configured backend has a public price list (only aws has); add an aws backend to config.yml.", ExitCodes.ConfigOrUsage);
        }

        return refreshed;
    }

    private static string Money(decimal? price) => price is { } p ? "$" + p.ToString("0.####", CultureInfo.InvariantCulture) : "unknown";
}
