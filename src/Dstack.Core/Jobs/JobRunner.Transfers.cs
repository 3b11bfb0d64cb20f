using System.Globalization;
using System.Text;
using Dstack.Core.Artifacts;
using Dstack.Core.Instances;

namespace Dstack.Core.Jobs;

/// <summary>
/// Transfers the instance makes itself with <c>curl</c> against presigned storage URLs: the worker only hands out the
/// URLs, so neither storage credentials nor the bytes pass through it.
/// </summary>
public sealed partial class JobRunner
{
    /// <summary>How many files the instance uploads at once.</summary>
    private const int ParallelUploads = 8;

    /// <summary>
    /// Like <see cref="PrepareAsync"/>, but the instance downloads the code archive from <paramref name="codeUrl"/> itself.
    /// </summary>
    /// <returns>True when it prepared the job now, false when it was prepared already.</returns>
    /// <exception cref="JobException">The instance has no curl, or the download failed.</exception>
    public async Task<bool> PrepareFromUrlAsync(Uri codeUrl, string jobScript, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codeUrl);
        ArgumentNullException.ThrowIfNull(jobScript);
        if (await IsPreparedAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var script = new MemoryStream(Encoding.UTF8.GetBytes(jobScript), writable: false);
        await using (script.ConfigureAwait(false))
        {
            await _shell.UploadAsync(script, JobDirectory + "/job.sh", cancellationToken).ConfigureAwait(false);
        }

        // The URL goes to curl on standard input (a config file), not on its command line where ps would show it.
        await RunCheckedAsync(
            "downloading the code from storage",
            $"""
            set -eu
            if ! command -v curl > /dev/null; then echo "curl is needed on the instance to fetch the code from storage; install it" >&2; exit 2; fi
            cd {Q}
            curl -fsS --retry 3 --retry-all-errors -o code.tar.gz.tmp -K - <<'DSTACK_CURL'
            url = {CurlString(codeUrl.AbsoluteUri)}
            DSTACK_CURL
            mv -f code.tar.gz.tmp code.tar.gz
            """,
            cancellationToken).ConfigureAwait(false);
        await RunCheckedAsync("preparing the job", UnpackScript, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Lists the files under the artifact <paramref name="paths"/> (relative to the working directory) with their sizes,
    /// sha256 hashes (<c>sha256sum</c> is on every instance, a BLAKE3 tool is not), executable bits and modification
    /// times, read on the instance. Paths that do not exist are skipped.
    /// </summary>
    /// <returns>The files, ordered by path, with paths relative to the working directory.</returns>
    public async Task<IReadOnlyList<ArtifactFile>> ListArtifactFilesAsync(IReadOnlyList<string> paths, string? workingDir, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var quoted = string.Join(' ', paths.Select(p => ShellQuoting.Quote("./" + NormalizeRelative(p, nameof(paths)))));
        var result = await RunCheckedAsync(
            "listing the artifacts",
            $"""
            set -eu
            cd {ShellQuoting.Quote(WorkingFolder(workingDir))}
            set --
            for p in {quoted}; do if [ -e "$p" ]; then set -- "$@" "$p"; fi; done
            [ "$#" -gt 0 ] || exit 0
            find "$@" -type f -printf 'S %s %T@ %m %p\0'
            find "$@" -type f -print0 | xargs -0 -r sha256sum -z | sed -z 's/^/H /'
            """,
            cancellationToken).ConfigureAwait(false);

        var stats = new Dictionary<string, ArtifactFile>(StringComparer.Ordinal);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var record in result.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "S <size> <mtime seconds.fraction> <octal mode> <path>": the path is last, as it may hold spaces.
            if (record.StartsWith("S ", StringComparison.Ordinal) && record.Split(' ', 5) is [_, var size, var modified, var mode, var path])
            {
                var executable = (Convert.ToInt32(mode, 8) & 0b001_000_000) != 0; // the owner's x bit, as uploads from the worker record it
                stats[Relative(path)] = new ArtifactFile(Relative(path), long.Parse(size, CultureInfo.InvariantCulture), null, executable, UnixTimes.Parse(modified));
            }
            else if (record.StartsWith("H ", StringComparison.Ordinal) && record.Length > 68)
            {
                hashes[Relative(record[68..])] = record[2..66]; // "H " + 64 hex + two spaces + path
            }
        }

        return stats.Values
            .Select(f => f with { Sha256 = hashes.TryGetValue(f.Path, out var hash) ? hash : throw new JobException($"No sha256 of artifact '{f.Path}' came back from {JobDirectory}.") })
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();

        static string Relative(string path) => path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path;
    }

    /// <summary>
    /// Uploads files of the working directory with HTTP PUTs to their URLs, <see cref="ParallelUploads"/> at a time,
    /// each retried a few times. The URLs go to curl in a config file that is removed afterwards.
    /// </summary>
    /// <exception cref="JobException">An upload failed.</exception>
    public async Task UploadFilesAsync(IReadOnlyList<(string Path, Uri Url)> files, string? workingDir, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            return;
        }

        var config = new StringBuilder();
        foreach (var (path, url) in files)
        {
            config.Append(CultureInfo.InvariantCulture, $"url = {CurlString(url.AbsoluteUri)}\nupload-file = {CurlString("./" + NormalizeRelative(path, nameof(files)))}\n");
        }

        var configPath = JobDirectory + "/upload.curl";
        var stream = new MemoryStream(Encoding.UTF8.GetBytes(config.ToString()), writable: false);
        await using (stream.ConfigureAwait(false))
        {
            await _shell.UploadAsync(stream, configPath, cancellationToken).ConfigureAwait(false);
        }

        await RunCheckedAsync(
            "uploading the artifacts to storage",
            $"""
            set -u
            if ! command -v curl > /dev/null; then rm -f {ShellQuoting.Quote(configPath)}; echo "curl is needed on the instance to upload artifacts to storage; install it" >&2; exit 2; fi
            if ! cd {ShellQuoting.Quote(WorkingFolder(workingDir))}; then rm -f {ShellQuoting.Quote(configPath)}; exit 1; fi
            curl -fsS --retry 3 --retry-all-errors --parallel --parallel-max {ParallelUploads} -K {ShellQuoting.Quote(configPath)}
            code=$?
            rm -f {ShellQuoting.Quote(configPath)}
            exit $code
            """,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Quotes a value for a curl config file (double quotes, backslash escapes).</summary>
    private static string CurlString(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";

    private string WorkingFolder(string? workingDir) =>
        workingDir is null or "" or "." ? CodeDirectory : $"{CodeDirectory}/{NormalizeRelative(workingDir, nameof(workingDir))}";
}
