using System.Globalization;
using System.Text.Json;

using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// The capacity queue through the real `dstack`: runs that find every block of two SSH hosts taken wait in order, show
/// their place in `dstack ps`, leave the queue on `dstack stop`, and all run once each after a kill -9 of the server and
/// its worker while they wait (real sshd hosts in network namespaces, <see cref="NetworkHosts"/>).
/// </summary>
public sealed class SshQueueTests(NetworkHosts hosts) : IClassFixture<NetworkHosts>
{
    private const int Runs = 50;
    private const int Blocks = 2;

    [SshFact]
    public async Task FiftyRunsOnFourBlocks_KillNineWhileTheyWait_EachRunsOnceNoBlockTwiceNothingLeft()
    {
        var used = hosts.Hosts.Take(2).ToList();
        await using var sandbox = await DstackSandbox.CreateAsync(async sandbox =>
        {
            var marks = Directory.CreateDirectory(Path.Combine(sandbox.Home, "marks")).FullName;
            var release = Path.Combine(sandbox.Home, "release");

            // Each job marks its start and end with its host, and holds its block until the release file exists: the
            // first four hold every block while the other runs join the queue.
            await sandbox.InitRepoAsync($$$"""
                workflows:
                  - name: queued
                    provider: bash
                    commands:
                      - 'echo "start $(hostname -I | tr -d " ") $(date +%s.%N)" >> {{{marks}}}/${{ run.name }}'
                      - 'while [ ! -f {{{release}}} ]; do sleep 1; done'
                      - 'echo "end $(hostname -I | tr -d " ") $(date +%s.%N)" >> {{{marks}}}/${{ run.name }}'
                    retry:
                      on_events: [no-capacity]
                      duration: 30m
                """);
            var config = string.Concat(used.Select(h => string.Create(CultureInfo.InvariantCulture, $"""
                      - host: {h.Address}
                        user: root
                        identity_file: {hosts.UserKey}
                        dstack_dir: {h.DstackDirectory}
                        blocks: {Blocks}

                """)));
            await File.WriteAllTextAsync(Path.Combine(sandbox.Home, "config.yml"), "backends:\n  - type: ssh\n    hosts:\n" + config);
        });
        var marks = Path.Combine(sandbox.Home, "marks");
        var server = await sandbox.StartDstackServerAsync();

        var names = new List<string>();
        using (var gate = new SemaphoreSlim(8))
        {
            await Task.WhenAll(Enumerable.Range(0, Runs).Select(async _ =>
            {
                await gate.WaitAsync();
                try
                {
                    var name = await SubmitAsync(sandbox, "queued");
                    lock (names)
                    {
                        names.Add(name);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        // Four hold the blocks, the other 46 wait in the queue, each with its place.
        var slots = used.Count * Blocks;
        IReadOnlyList<(string Name, int Place, int Of)> before = [];
        await Eventually.TrueAsync(
            async () => (before = await QueueAsync(sandbox)).Count == Runs - slots,
            TimeSpan.FromSeconds(180),
            $"{Runs - slots} runs to wait in the queue");
        Assert.Equal(Enumerable.Range(1, Runs - slots), before.Select(r => r.Place));
        Assert.All(before, r => Assert.Equal(Runs - slots, r.Of));
        var table = await sandbox.DstackAsync("ps");
        Assert.Contains($"pending (1st of {Runs - slots} waiting for", table.Stdout, StringComparison.Ordinal);

        // The last in line is stopped while it waits: it leaves the queue and never runs.
        var quitter = before[^1].Name;
        var stop = await sandbox.DstackAsync("stop", quitter, "-y");
        Assert.True(stop.ExitCode == 0, stop.Output);
        Assert.Equal("stopped", (await WaitFinishedAsync(sandbox, quitter)).GetProperty("status").GetString()?.ToLowerInvariant());
        var waiting = before.SkipLast(1).Select(r => r.Name).ToList();
        await Eventually.TrueAsync(
            async () => (await QueueAsync(sandbox)).Select(r => r.Name).SequenceEqual(waiting),
            TimeSpan.FromSeconds(60),
            "the stopped run to leave the queue");

        // kill -9 of the server and its worker while 45 runs wait: the queue comes back in the same order.
        DstackSandbox.Kill9(server);
        await sandbox.StartDstackServerAsync();
        Assert.Equal(waiting, (await QueueAsync(sandbox)).Select(r => r.Name));
        await File.WriteAllTextAsync(Path.Combine(sandbox.Home, "release"), "go");

        foreach (var name in names.Where(n => n != quitter))
        {
            var manifest = await WaitFinishedAsync(sandbox, name, TimeSpan.FromSeconds(300));
            Assert.True(manifest.GetProperty("status").GetString()?.ToLowerInvariant() == "done", manifest.ToString());
        }

        // Each run started once and ended once; no host ever ran more jobs at once than its blocks; no claim is left.
        Assert.False(File.Exists(Path.Combine(marks, quitter)), $"{quitter} was stopped while waiting, yet it ran");
        var spans = new List<(string Host, double Start, double End)>();
        foreach (var name in names.Where(n => n != quitter))
        {
            var lines = (await File.ReadAllLinesAsync(Path.Combine(marks, name))).Select(l => l.Split(' ')).ToList();
            Assert.True(lines.Count == 2 && lines[0][0] == "start" && lines[1][0] == "end", $"{name}: {string.Join(" | ", lines.Select(l => string.Join(' ', l)))}");
            spans.Add((lines[0][1], Seconds(lines[0][2]), Seconds(lines[1][2])));
        }

        foreach (var host in spans.GroupBy(s => s.Host))
        {
            var most = host.Max(s => host.Count(o => o.Start <= s.Start && s.Start < o.End));
            Assert.True(most <= Blocks, $"{host.Key} ran {most} jobs at once with {Blocks} blocks");
        }

        // A run writes its last manifest before it gives its block back: the last few release just after.
        await Eventually.TrueAsync(
            () => !used.Any(h => Directory.EnumerateFileSystemEntries(Path.Combine(h.DstackDirectory, "claims")).Any()),
            TimeSpan.FromSeconds(60),
            "every block to be given back");
        Assert.Empty(await QueueAsync(sandbox));
    }

    private static double Seconds(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>The pending runs in `dstack ps --json`, with their place in the queue, in queue order.</summary>
    private static async Task<IReadOnlyList<(string Name, int Place, int Of)>> QueueAsync(DstackSandbox sandbox)
    {
        var ps = await sandbox.DstackAsync("ps", "--json");
        Assert.True(ps.ExitCode == 0, ps.Output);
        using var json = JsonDocument.Parse(ps.Stdout);
        return [.. json.RootElement.EnumerateArray()
            .Where(r => r.TryGetProperty("queuePlace", out var place) && place.ValueKind == JsonValueKind.Number)
            .Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("queuePlace").GetInt32(), r.GetProperty("queueLength").GetInt32()))
            .OrderBy(r => r.Item2)];
    }
}
