using System.Text;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Storage;

namespace Dstack.Core.Tests.Runs;

public sealed class RunScriptStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Offload_SmallScript_StaysInTheSpec()
    {
        var storage = new LocalStorage(_dir.Path);
        var spec = Spec(["echo hi"]);

        var offloaded = await new RunScriptStore(storage).OffloadAsync(spec);

        Assert.Same(spec, offloaded);
        Assert.Empty(await storage.ListAsync("scripts/"));
    }

    [Fact]
    public async Task Offload_ScriptOver16KiB_GoesToStorageAndResolvesBackWhole()
    {
        var storage = new LocalStorage(_dir.Path);
        var commands = Enumerable.Range(0, 2_000).Select(i => $"echo 'line {i}: <ü> & more'").ToList();
        var spec = Spec(commands) with
        {
            Setup = ["pip install -e ."],
            Env = new Dictionary<string, string> { ["BIG"] = new string('v', 4_000), ["SMALL"] = "1" },
            Requirements = "torch\n",
            Conda = "name: x\n",
        };
        Assert.True(RunScript.Of(spec).EstimatedJsonBytes() > RunSpecLimits.InlineScriptBytes);

        var offloaded = await new RunScriptStore(storage).OffloadAsync(spec);

        Assert.NotNull(offloaded.ScriptHash);
        Assert.Equal(StorageLayout.Script(offloaded.ScriptHash), Assert.Single(await storage.ListAsync("scripts/")).Key);
        Assert.Empty(offloaded.Commands);
        Assert.Empty(offloaded.Setup);
        Assert.Empty(offloaded.Env);
        Assert.Null(offloaded.Requirements);
        Assert.Null(offloaded.Conda);
        Assert.Equal("requirements.txt", offloaded.RequirementsPath); // the small parts stay

        var resolved = await new RunScriptStore(storage).ResolveAsync(offloaded);

        Assert.Equal(commands, resolved.Commands);
        Assert.Equal(["pip install -e ."], resolved.Setup);
        Assert.Equal(spec.Env, resolved.Env);
        Assert.Equal(("torch\n", "name: x\n"), (resolved.Requirements, resolved.Conda));
        Assert.Equal(offloaded.ScriptHash, resolved.ScriptHash);
    }

    [Fact]
    public async Task Resolve_InlineSpec_IsTheSpec()
    {
        // Runs submitted before scripts went to storage carry them inline, without a hash.
        var spec = Spec(["echo hi"]);

        Assert.Same(spec, await new RunScriptStore(new LocalStorage(_dir.Path)).ResolveAsync(spec));
    }

    [Fact]
    public async Task Resolve_MissingScript_SaysWhichRunAndWhere()
    {
        var spec = Spec([]) with { ScriptHash = new string('0', 64) };

        var e = await Assert.ThrowsAsync<StorageException>(() => new RunScriptStore(new LocalStorage(_dir.Path)).ResolveAsync(spec));

        Assert.Contains("is missing from storage", e.Message, StringComparison.Ordinal);
        Assert.Contains("run-1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_ChangedScript_IsRefused()
    {
        var storage = new LocalStorage(_dir.Path);
        var offloaded = await new RunScriptStore(storage).OffloadAsync(Spec([new string('x', 20_000)]));
        using (var replaced = new MemoryStream(Encoding.UTF8.GetBytes("{\"commands\":[\"rm -rf ~\"]}")))
        {
            await storage.PutAsync(StorageLayout.Script(offloaded.ScriptHash!), replaced);
        }

        var e = await Assert.ThrowsAsync<StorageException>(() => new RunScriptStore(storage).ResolveAsync(offloaded));

        Assert.Contains("does not match its sha256", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("echo hi")]
    [InlineData("echo \"<tag>\" && cat 'x' + `y` \\ z")]
    [InlineData("\t\u0001 ü 😀 \u2028")]
    public void JsonTextSize_IsAtLeastWhatSystemTextJsonWrites(string text)
    {
        // Temporal's JSON converter writes with System.Text.Json's default encoder, as this does.
        Assert.True(JsonTextSize.Of(text) >= Encoding.UTF8.GetByteCount(System.Text.Json.JsonSerializer.Serialize(text)));
    }

    private static RunSpec Spec(IReadOnlyList<string> commands) => new()
    {
        RunName = "run-1",
        WorkflowName = "train",
        Provider = WorkflowProvider.Bash,
        Repo = new RepoInfo("repo", null, "main", null, false),
        CodeHash = "abc",
        Commands = commands,
        RequirementsPath = "requirements.txt",
        User = "me",
        SubmittedAt = DateTimeOffset.UnixEpoch,
    };
}
