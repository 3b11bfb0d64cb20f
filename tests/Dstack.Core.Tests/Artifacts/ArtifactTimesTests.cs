using System.Text.Json;
using Dstack.Core.Archives;
using Dstack.Core.Artifacts;
using Dstack.Core.Storage;

namespace Dstack.Core.Tests.Artifacts;

/// <summary>
/// Artifact files keep their modification time and executable bit on every leg: packed on the instance by tar,
/// extracted by the worker, stored, downloaded, and placed as a dependency of another run (a dependent run once saw
/// Jan 1 1970, which breaks make-style "is it newer" checks).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ArtifactTimesTests : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly DateTime Trained = new(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);

    private static readonly DateTime Scripted = new(2023, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task UploadThenDownload_KeepsModificationTimeAndExecutableBit()
    {
        var storage = new LocalStorage(_dir.Combine("storage"));
        WriteJobOutput(_dir.Combine("job"));

        var index = await new ArtifactStore(storage).UploadAsync("run-1", "main", _dir.Combine("job"), ["out"]);
        await new ArtifactStore(storage).DownloadAsync("run-1", "main", _dir.Combine("dl"));

        Assert.Equal(Trained, index.Files.Single(f => f.Path == "out/model.bin").ModifiedAt?.UtcDateTime);
        AssertKept(_dir.Combine("dl"));
    }

    [Fact]
    public async Task WorkerPath_InstanceTarToStorageToDependentRun_KeepsModificationTimeAndExecutableBit()
    {
        // The instance packs with tar, the worker extracts and stores; a dependent run gets them downloaded, archived and
        // unpacked with tar in its working directory.
        var storage = new LocalStorage(_dir.Combine("storage"));
        WriteJobOutput(_dir.Combine("job"));
        await ProcessRunner.RunAsync(_dir.Combine("job"), "tar", "-czf", _dir.Combine("packed.tar.gz"), "out");
        await SafeExtractor.ExtractFileAsync(_dir.Combine("packed.tar.gz"), _dir.Combine("extracted"));
        await new ArtifactStore(storage).UploadAsync("run-1", "main", _dir.Combine("extracted"), ["out"]);

        var index = await new ArtifactStore(storage).DownloadAsync("run-1", "main", _dir.Combine("deps"));
        await using (var archive = File.Create(_dir.Combine("deps.tar.gz")))
        {
            await DeterministicArchive.WriteAsync(_dir.Combine("deps"), index.Files.Select(f => f.Path), archive, keepModificationTimes: true);
        }

        Directory.CreateDirectory(_dir.Combine("dependent"));
        await ProcessRunner.RunAsync(_dir.Combine("dependent"), "tar", "-xzf", _dir.Combine("deps.tar.gz"), "--no-same-owner");

        AssertKept(_dir.Combine("dependent"));
    }

    [Fact]
    public async Task SafeExtractor_KeepsEachFileModificationTime()
    {
        WriteJobOutput(_dir.Combine("job"));
        await ProcessRunner.RunAsync(_dir.Combine("job"), "tar", "-czf", _dir.Combine("packed.tar.gz"), "out");

        await SafeExtractor.ExtractFileAsync(_dir.Combine("packed.tar.gz"), _dir.Combine("extracted"));

        AssertKept(_dir.Combine("extracted"));
    }

    [Fact]
    public async Task DeterministicArchive_ByDefault_StillFixesTimes()
    {
        // Code snapshots are content-addressed: the same files must give the same bytes whenever they were touched.
        WriteJobOutput(_dir.Combine("job"));
        using var first = new MemoryStream();
        await DeterministicArchive.WriteAsync(_dir.Combine("job"), ["out/model.bin"], first);
        File.SetLastWriteTimeUtc(_dir.Combine("job", "out", "model.bin"), Trained.AddDays(1));
        using var second = new MemoryStream();
        await DeterministicArchive.WriteAsync(_dir.Combine("job"), ["out/model.bin"], second);

        Assert.Equal(first.ToArray(), second.ToArray());
    }

    [Fact]
    public void ArtifactIndex_WrittenBeforeTimesWereKept_ReadsWithoutATime()
    {
        var old = "{\"paths\":[\"out\"],\"files\":[{\"path\":\"out/model.bin\",\"size\":3,\"sha256\":\"abc\",\"executable\":false}]}";

        var index = JsonSerializer.Deserialize<ArtifactIndex>(old, Json)!;

        Assert.Null(index.Files.Single().ModifiedAt);
    }

    private static void WriteJobOutput(string job)
    {
        Directory.CreateDirectory(Path.Combine(job, "out", "bin"));
        var model = Path.Combine(job, "out", "model.bin");
        File.WriteAllText(model, "weights\n");
        File.SetLastWriteTimeUtc(model, Trained);
        var tool = Path.Combine(job, "out", "bin", "predict");
        File.WriteAllText(tool, "#!/bin/sh\necho predict\n");
        File.SetUnixFileMode(tool, (UnixFileMode)0b111_101_101);
        File.SetLastWriteTimeUtc(tool, Scripted);
    }

    private static void AssertKept(string root)
    {
        Assert.Equal(Trained, File.GetLastWriteTimeUtc(Path.Combine(root, "out", "model.bin")));
        var tool = Path.Combine(root, "out", "bin", "predict");
        Assert.Equal(Scripted, File.GetLastWriteTimeUtc(tool));
        Assert.NotEqual(UnixFileMode.None, File.GetUnixFileMode(tool) & UnixFileMode.UserExecute);
    }
}
