using System.Text.Json;

using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>Artifacts, tags and deps end to end: one workflow makes an environment and data, others consume them.</summary>
public sealed class DataTests
{
    // "prepare" makes a Python environment under an artifact path, the way the seed's conda pattern does. conda and
    // micromamba are not installed here, so it is a venv (--copies, so it does not point back at this machine's python).
    private const string Workflows = """
        workflows:
          - name: prepare
            provider: bash
            commands:
              - python3 -m venv --copies --without-pip env/venv
              - 'site=$(env/venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()[\"purelib\"])")'
              - 'echo "VALUE = \"made by $DSTACK_RUN_NAME\"" > "$site/prepared.py"'
              - mkdir -p data
              - echo "rows from $DSTACK_RUN_NAME" > data/input.txt
            artifacts:
              - path: env
              - path: data
          - name: use-workflow
            provider: bash
            deps:
              - workflow: prepare
            setup:
              - 'echo "setup sees: $(cat data/input.txt)"'
            commands:
              - 'env/venv/bin/python -c "import prepared; print(\"env says\", prepared.VALUE)"'
          - name: use-tag
            provider: bash
            deps:
              - tag: base
              - tag: uploaded
            commands:
              - 'echo "tag data: $(cat data/input.txt)"'
              - 'echo "uploaded: $(cat local/notes.txt)"'
          - name: use-missing
            provider: bash
            deps:
              - workflow: never-ran
            commands:
              - echo should not run
          - name: escape
            provider: bash
            commands:
              - mkdir -p output
              - ln -s ../../../../../../../../etc output/up
            artifacts:
              - path: output
        """;

    [Fact]
    public async Task Deps_WorkflowTagAndRun_ArtifactsInJobFolderBeforeSetupAndRecordedInManifest()
    {
        await using var sandbox = await StartAsync();

        var prepare = await sandbox.DstackAsync("run", "prepare");
        Assert.True(prepare.ExitCode == 0, prepare.Output);
        var prepared = RunName(prepare.Stdout);

        // {workflow: prepare}: the newest successful run; its environment works from the consumer's job folder.
        var use = await sandbox.DstackAsync("run", "use-workflow");
        Assert.True(use.ExitCode == 0, use.Output);
        Assert.Contains($"setup sees: rows from {prepared}", use.Stdout, StringComparison.Ordinal);
        Assert.Contains($"env says made by {prepared}", use.Stdout, StringComparison.Ordinal);
        var manifest = await ManifestAsync(sandbox, RunName(use.Stdout));
        var dep = manifest.GetProperty("spec").GetProperty("deps")[0];
        Assert.Equal("workflow", dep.GetProperty("kind").GetString());
        Assert.Equal(prepared, dep.GetProperty("run").GetString());

        // A newer run of prepare, tagged with -t; a local folder uploaded as a tagged data set.
        var tagged = await sandbox.DstackAsync("run", "prepare", "-t", "base");
        Assert.True(tagged.ExitCode == 0, tagged.Output);
        var taggedRun = RunName(tagged.Stdout);
        Directory.CreateDirectory(Path.Combine(sandbox.Repo, "local"));
        await File.WriteAllTextAsync(Path.Combine(sandbox.Repo, "local", "notes.txt"), "uploaded notes\n");
        var upload = await sandbox.DstackAsync("tags", "add", "uploaded", "-a", "local");
        Assert.True(upload.ExitCode == 0, upload.Output);
        Assert.Contains("uploaded 1 file", upload.Stdout, StringComparison.Ordinal);

        var list = await sandbox.DstackAsync("tags", "list");
        Assert.True(list.ExitCode == 0, list.Output);
        Assert.Contains("base", list.Stdout, StringComparison.Ordinal);
        Assert.Contains(taggedRun, list.Stdout, StringComparison.Ordinal);
        Assert.Contains("uploaded", list.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(sandbox.Home, "storage", "tags", "base.json")));

        var useTag = await sandbox.DstackAsync("run", "use-tag");
        Assert.True(useTag.ExitCode == 0, useTag.Output);
        Assert.Contains($"tag data: rows from {taggedRun}", useTag.Stdout, StringComparison.Ordinal);
        Assert.Contains("uploaded: uploaded notes", useTag.Stdout, StringComparison.Ordinal);

        // The artifacts of a tag, listed and downloaded by :TAG.
        var artifacts = await sandbox.DstackAsync("artifacts", "list", ":uploaded");
        Assert.True(artifacts.ExitCode == 0, artifacts.Output);
        Assert.Contains("local/notes.txt", artifacts.Stdout, StringComparison.Ordinal);

        // {run: R}: the exact (older) run, not the newest.
        await File.WriteAllTextAsync(Path.Combine(sandbox.Repo, ".dstack", "workflows", "extra.yaml"), $"""
            workflows:
              - name: use-run
                provider: bash
                deps:
                  - run: {prepared}
                commands:
                  - 'echo "run data: $(cat data/input.txt)"'
            """);
        var useRun = await sandbox.DstackAsync("run", "use-run");
        Assert.True(useRun.ExitCode == 0, useRun.Output);
        Assert.Contains($"run data: rows from {prepared}", useRun.Stdout, StringComparison.Ordinal);

        // Deleting a tag keeps its run; a dependency on it then fails, naming it.
        var delete = await sandbox.DstackAsync("tags", "delete", "base", "-y");
        Assert.True(delete.ExitCode == 0, delete.Output);
        Assert.False(File.Exists(Path.Combine(sandbox.Home, "storage", "tags", "base.json")));
        var noTag = await sandbox.DstackAsync("run", "use-tag");
        Assert.NotEqual(0, noTag.ExitCode);
        Assert.Contains("{tag: base}", Flat(noTag.Stdout), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deps_Missing_FailsBeforeAnyMachineNamingTheDep()
    {
        await using var sandbox = await StartAsync();

        var run = await sandbox.DstackAsync("run", "use-missing");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("{workflow: never-ran}", Flat(run.Stdout), StringComparison.Ordinal);
        Assert.DoesNotContain("should not run", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
        var manifest = await ManifestAsync(sandbox, RunName(run.Stdout));
        Assert.Equal("config", manifest.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, manifest.GetProperty("backend").ValueKind); // no machine was provisioned
    }

    [Fact]
    public async Task Artifacts_TamperedOrEscaping_RefusedWithClearErrors()
    {
        await using var sandbox = await StartAsync();
        var prepare = await sandbox.DstackAsync("run", "prepare");
        Assert.True(prepare.ExitCode == 0, prepare.Output);
        var name = RunName(prepare.Stdout);

        // Same size, different bytes: only the sha256 can tell.
        var stored = Path.Combine(sandbox.Home, "storage", "runs", name, "artifacts", "main", "files", "data", "input.txt");
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[0] ^= 0x20;
        await File.WriteAllBytesAsync(stored, bytes);
        var target = Path.Combine(sandbox.Home, "download");
        var download = await sandbox.DstackAsync("artifacts", "download", name, "-o", target);
        Assert.Equal(1, download.ExitCode);
        Assert.Contains("data/input.txt", Flat(download.Stdout), StringComparison.Ordinal);
        Assert.Contains("does not match what was uploaded", Flat(download.Stdout), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", download.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(target, "data", "input.txt")));

        // A consumer of the tampered run fails too, naming the dependency.
        var use = await sandbox.DstackAsync("run", "use-workflow");
        Assert.NotEqual(0, use.ExitCode);
        Assert.Contains("{workflow: prepare}", Flat(use.Stdout), StringComparison.Ordinal);
        Assert.Contains("does not match", Flat(use.Stdout), StringComparison.Ordinal);

        // A job whose artifact is a link climbing out with '../': the archive is refused, nothing lands outside.
        var escape = await sandbox.DstackAsync("run", "escape");
        Assert.NotEqual(0, escape.ExitCode);
        Assert.Contains("output/up", Flat(escape.Stdout), StringComparison.Ordinal);
        Assert.Contains("refused", Flat(escape.Stdout), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", escape.Output, StringComparison.Ordinal);
    }

    /// <summary>Joins the lines the console wrapped at its width, so messages can be matched whole.</summary>
    internal static string Flat(string output) => string.Join(' ', output.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));

    internal static async Task<JsonElement> ManifestAsync(DstackSandbox sandbox, string run)
    {
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(sandbox.Home, "storage", "runs", run, "manifest.json")));
        return json.RootElement.Clone();
    }

    private static Task<DstackSandbox> StartAsync() => DstackSandbox.CreateAsync(async sandbox =>
    {
        await sandbox.InitRepoAsync(Workflows);
        Directory.CreateDirectory(Path.Combine(sandbox.Repo, ".dstack", "workflows"));
        await sandbox.StartDstackServerAsync();
    });
}
