using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Spectre.Console.Testing;

namespace Dstack.Cli.Tests.Commands;

public sealed class ArtifactsCommandTests : IDisposable
{
    private readonly string _job = Directory.CreateTempSubdirectory("dstack-job-").FullName;
    private readonly string _target = Directory.CreateTempSubdirectory("dstack-download-").FullName;
    private readonly byte[] _model = new byte[300_000];

    public ArtifactsCommandTests()
    {
        new Random(42).NextBytes(_model);
        Directory.CreateDirectory(Path.Combine(_job, "output", "checkpoints"));
        File.WriteAllText(Path.Combine(_job, "output", "hello.txt"), "Hello, world!\n");
        File.WriteAllBytes(Path.Combine(_job, "output", "checkpoints", "model.bin"), _model);
    }

    [Fact]
    public async Task ArtifactsList_ShowsEachFileWithItsArtifactAndSize()
    {
        await using var home = await UploadedAsync();

        var (exitCode, output) = await home.RunAsync("artifacts", "list", "wise-owl-1");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("ARTIFACT", output, StringComparison.Ordinal);
        Assert.Contains("FILE", output, StringComparison.Ordinal);
        Assert.Contains("SIZE", output, StringComparison.Ordinal);
        var line = output.Split('\n').Single(l => l.Contains("output/hello.txt", StringComparison.Ordinal));
        Assert.Contains("./output", line, StringComparison.Ordinal);
        Assert.Contains("14 B", line, StringComparison.Ordinal);
        Assert.Contains("output/checkpoints/model.bin", output, StringComparison.Ordinal);
        Assert.Contains("293.0 KiB", output, StringComparison.Ordinal);
        Assert.Contains("2 files", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArtifactsDownload_CopiesEveryFileByteForByte()
    {
        await using var home = await UploadedAsync();

        var (exitCode, output) = await home.RunAsync("artifacts", "download", "wise-owl-1", "-o", _target);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("all hashes verified", output, StringComparison.Ordinal);
        Assert.Equal("Hello, world!\n", await File.ReadAllTextAsync(Path.Combine(_target, "output", "hello.txt")));
        Assert.Equal(_model, await File.ReadAllBytesAsync(Path.Combine(_target, "output", "checkpoints", "model.bin")));
    }

    [Fact]
    public async Task ArtifactsDownload_FolderThatCannotBeWritten_SaysSoWithoutAStackTrace()
    {
        await using var home = await UploadedAsync();

        var (exitCode, output) = await home.RunAsync("artifacts", "download", "wise-owl-1", "-o", "/proc/nope");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("cannot write the artifacts of wise-owl-1 to /proc/nope", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArtifactsDownload_InteractiveConsole_ShowsAProgressBarAndDownloads()
    {
        await using var home = await UploadedAsync();
        var console = new TestConsole().Interactive();

        var (exitCode, output) = await home.RunAsync(console, "artifacts", "download", "wise-owl-1", "--output", _target);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("100%", output, StringComparison.Ordinal);
        Assert.Equal(_model, await File.ReadAllBytesAsync(Path.Combine(_target, "output", "checkpoints", "model.bin")));
    }

    [Fact]
    public async Task ArtifactsDownload_TamperedFile_FailsAndSaysWhich()
    {
        await using var home = await UploadedAsync();
        var stored = Path.Combine(home.Storage.Root, "runs", "wise-owl-1", "artifacts", StorageLayout.MainJob, "files", "output", "hello.txt");
        await File.WriteAllTextAsync(stored, "Hello, World!\n"); // same size, different bytes

        var (exitCode, output) = await home.RunAsync("artifacts", "download", "wise-owl-1", "-o", _target);

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("artifact 'output/hello.txt' of run wise-owl-1 does not match what was uploaded", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_target, "output", "hello.txt")));
    }

    [Fact]
    public async Task ArtifactsDownload_LocalFileDiffers_RefusesWithoutForceAndWritesNothing()
    {
        await using var home = await UploadedAsync();
        var edited = Path.Combine(_target, "output", "hello.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(edited)!);
        await File.WriteAllTextAsync(edited, "my local edits\n");

        var (exitCode, output) = await home.RunAsync("artifacts", "download", "wise-owl-1", "-o", _target);

        Assert.True(exitCode == ExitCodes.ConfigOrUsage, $"exit {exitCode}: {output}");
        Assert.Contains("output/hello.txt", output, StringComparison.Ordinal);
        Assert.Contains("--force", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal("my local edits\n", await File.ReadAllTextAsync(edited));
        Assert.False(File.Exists(Path.Combine(_target, "output", "checkpoints", "model.bin")), "a refused download wrote a file");
    }

    [Fact]
    public async Task ArtifactsDownload_LocalFileDiffers_ForceOverwritesAndSaysSo()
    {
        await using var home = await UploadedAsync();
        var edited = Path.Combine(_target, "output", "hello.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(edited)!);
        await File.WriteAllTextAsync(edited, "my local edits\n");

        var (exitCode, output) = await home.RunAsync("artifacts", "download", "wise-owl-1", "-o", _target, "--force");

        Assert.True(exitCode == ExitCodes.Ok, $"exit {exitCode}: {output}");
        Assert.Equal("Hello, world!\n", await File.ReadAllTextAsync(edited));
        Assert.Equal(_model, await File.ReadAllBytesAsync(Path.Combine(_target, "output", "checkpoints", "model.bin")));
        Assert.Contains("overwrote 1 file", output, StringComparison.Ordinal);
        Assert.Contains("output/hello.txt", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArtifactsDownload_SameFileThere_SkipsItAndSaysWhatWasWrittenAndSkipped()
    {
        await using var home = await UploadedAsync();
        var same = Path.Combine(_target, "output", "hello.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(same)!);
        await File.WriteAllTextAsync(same, "Hello, world!\n");
        var before = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(same, before);

        var (exitCode, output) = await home.RunAsync("artifacts", "download", "wise-owl-1", "-o", _target);

        Assert.True(exitCode == ExitCodes.Ok, $"exit {exitCode}: {output}");
        Assert.Equal(before, File.GetLastWriteTimeUtc(same)); // not rewritten
        Assert.Equal(_model, await File.ReadAllBytesAsync(Path.Combine(_target, "output", "checkpoints", "model.bin")));
        var flat = string.Join(' ', output.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("downloaded 1 file", flat, StringComparison.Ordinal);
        Assert.Contains("skipped 1 file", flat, StringComparison.Ordinal);
        Assert.Contains("output/hello.txt", flat, StringComparison.Ordinal);
        Assert.Contains("output/checkpoints/model.bin", flat, StringComparison.Ordinal);

        var (again, againOutput) = await home.RunAsync("artifacts", "download", "wise-owl-1", "-o", _target);

        Assert.True(again == ExitCodes.Ok, $"exit {again}: {againOutput}");
        Assert.Contains("skipped 2 files", string.Join(' ', againOutput.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Artifacts_UnknownRun_FailsWithExitOne()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("artifacts", "download", "no-such-run", "-o", _target);

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("run no-such-run not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Artifacts_RunWithoutArtifacts_SaysSo()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(1));

        var (exitCode, output) = await home.RunAsync("artifacts", "download", "busy-bee-3", "-o", _target);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("no artifacts yet", output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Directory.Delete(_job, recursive: true);
        Directory.Delete(_target, recursive: true);
    }

    private async Task<TestHome> UploadedAsync()
    {
        var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("wise-owl-1", RunStatus.Done, TimeSpan.FromMinutes(10), m => m with { Artifacts = ["./output"] });
        await home.Artifacts.UploadAsync("wise-owl-1", StorageLayout.MainJob, _job, ["./output"]);
        return home;
    }
}
