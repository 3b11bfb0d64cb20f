using System.Text.Json;
using System.Text.RegularExpressions;

using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// Two dstack folders on one machine (of one Linux user here; <see cref="OtherUserTests"/> has two users): a server
/// admits only the folder whose key it holds, so a CLI refuses another folder's dstack server at its address, and with the
/// default address each folder gets a server of its own.
/// </summary>
public sealed partial class ServerOwnershipTests
{
    [Fact]
    public async Task Run_AddressOfAnotherFoldersServer_RefusedWithWhoseItIsAndExit2()
    {
        await using var ana = new DstackSandbox();
        await using var ben = new DstackSandbox();
        await ana.StartDstackServerAsync("--headless");
        await ben.InitRepoAsync(Hello("ben"));
        ben.Environment["DSTACK_TEMPORAL_ADDRESS"] = ana.Address;

        var run = await ben.DstackAsync("run", "hello");
        var ps = await ben.DstackAsync("ps", "-a");

        Assert.True(run.ExitCode == 2, run.Output);
        var message = OneLine(run.Output);
        Assert.Contains($"the dstack server at {ana.Address} is not yours: it admits only its owner", message, StringComparison.Ordinal);
        Assert.Contains("DSTACK_TEMPORAL_ADDRESS", message, StringComparison.Ordinal);

        // Without ana's key ben's CLI reads nothing of her server, not even whose it is.
        Assert.DoesNotContain(ana.Home, message, StringComparison.Ordinal);
        Assert.DoesNotContain("hello from ben", run.Output, StringComparison.Ordinal);
        Assert.True(ps.ExitCode == 2, ps.Output);
        Assert.Contains("is not yours", OneLine(ps.Output), StringComparison.Ordinal);

        // Nothing of ben's reached ana's server.
        var anas = await ana.DstackAsync("ps", "-a");
        Assert.True(anas.ExitCode == 0, anas.Output);
        Assert.DoesNotContain("hello", anas.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DefaultAddressInTwoFolders_EachStartsAndUsesItsOwnServer()
    {
        await using var ana = new DstackSandbox { DefaultAddress = true };
        await using var ben = new DstackSandbox { DefaultAddress = true };
        await ana.InitRepoAsync(Hello("ana"));
        await ben.InitRepoAsync(Hello("ben"));

        var anaRun = await ana.DstackAsync("run", "hello");
        var benRun = await ben.DstackAsync("run", "hello");

        Assert.True(anaRun.ExitCode == 0, anaRun.Output);
        Assert.Contains("hello from ana", anaRun.Output, StringComparison.Ordinal);
        Assert.True(benRun.ExitCode == 0, benRun.Output);
        Assert.Contains("hello from ben", benRun.Output, StringComparison.Ordinal);
        Assert.Contains("Started dstack server in the background", OneLine(benRun.Output), StringComparison.Ordinal);
        var (anaPid, anaAddress) = await RecordAsync(ana);
        var (benPid, benAddress) = await RecordAsync(ben);
        Assert.NotEqual(anaPid, benPid);
        Assert.NotEqual(anaAddress, benAddress);

        // Each folder's commands find their own server: ben's list has ben's run only, and status names ben's server.
        var benPs = await ben.DstackAsync("ps", "-a");
        Assert.True(benPs.ExitCode == 0, benPs.Output);
        Assert.Contains(RunName(benRun.Output), benPs.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(RunName(anaRun.Output), benPs.Stdout, StringComparison.Ordinal);
        var status = await ben.DstackAsync("server", "status");
        Assert.Contains($"(pid {benPid}) at {benAddress}", OneLine(status.Output), StringComparison.Ordinal);

        Assert.True((await ben.DstackAsync("server", "stop")).ExitCode == 0);
        Assert.True((await ana.DstackAsync("server", "stop")).ExitCode == 0);
    }

    private static string Hello(string user) => $"""
        workflows:
          - name: hello
            provider: bash
            commands:
              - echo "hello from {user}"
        """;

    private static async Task<(int Pid, string Address)> RecordAsync(DstackSandbox sandbox)
    {
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(sandbox.Home, "server.json")));
        return (json.RootElement.GetProperty("pid").GetInt32(), json.RootElement.GetProperty("address").GetString()!);
    }

    /// <summary>The output with its line breaks undone, so a message wrapped for a narrow terminal still reads as one.</summary>
    private static string OneLine(string output) => WhitespaceRegex().Replace(output, " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
