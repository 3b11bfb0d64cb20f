using System.Globalization;

namespace Dstack.Core.Storage;

/// <summary>The keys of everything dstack stores (docs/architecture.md#storage-layout).</summary>
public static class StorageLayout
{
    public static string Code(string hash) => $"code/{hash}.tar.gz";

    /// <summary>A run's setup, commands and env when they are too big for Temporal (<see cref="Runs.RunScriptStore"/>), content-addressed.</summary>
    public static string Script(string hash) => $"scripts/{hash}.json";

    public static string RunPrefix(string run) => $"runs/{run}/";

    public static string Manifest(string run) => $"runs/{run}/manifest.json";

    public static string LogPrefix(string run, string job) => $"runs/{run}/logs/{job}/";

    /// <summary>A log chunk is named by its first byte's offset, zero-padded so that key order is offset order.</summary>
    public static string LogChunk(string run, string job, long offset) =>
        $"runs/{run}/logs/{job}/{offset.ToString("D16", CultureInfo.InvariantCulture)}.log";

    public static string ArtifactPrefix(string run, string job) => $"runs/{run}/artifacts/{job}/";

    public static string Artifact(string run, string job, string relativePath) => $"runs/{run}/artifacts/{job}/files/{relativePath}";

    /// <summary>The list of a job's artifact files with sizes and sha256 hashes.</summary>
    public static string ArtifactIndex(string run, string job) => $"runs/{run}/artifacts/{job}/index.json";

    /// <summary>Where <c>mount: true</c> artifacts are synced while the job runs (the checkpoint a next attempt restores).</summary>
    public static string CheckpointFile(string run, string job, string relativePath) => $"runs/{run}/checkpoint/{job}/files/{relativePath}";

    /// <summary>The checkpoint's file list with sizes, hashes and modification times.</summary>
    public static string CheckpointIndex(string run, string job) => $"runs/{run}/checkpoint/{job}/index.json";

    public static string Tag(string tag) => $"tags/{tag}.json";

    /// <summary>The name of the single job of a run (one job per run until multi-node runs exist).</summary>
    public const string MainJob = "main";
}
