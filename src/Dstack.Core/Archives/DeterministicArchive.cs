using System.Formats.Tar;
using System.IO.Compression;

namespace Dstack.Core.Archives;

/// <summary>
/// Writes .tar.gz archives whose bytes depend only on the files' paths, contents, executable bits and link targets:
/// entries sorted, times fixed, owners 0. The same content then has the same sha256, which content addressing needs.
/// Archives that only carry files somewhere (dependencies, checkpoints) can keep the files' modification times instead.
/// </summary>
public static class DeterministicArchive
{
    /// <summary>The modification time of every entry (the Unix epoch).</summary>
    public static readonly DateTimeOffset FixedTime = DateTimeOffset.UnixEpoch;

    private const UnixFileMode ExecutableMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode RegularMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// Archives the files <paramref name="relativePaths"/> (slash-separated, under <paramref name="root"/>) into
    /// <paramref name="destination"/>. Regular files and symbolic links are archived; anything else is skipped.
    /// </summary>
    /// <returns>The number of entries written.</returns>
    public static Task<int> WriteAsync(string root, IEnumerable<string> relativePaths, Stream destination, CancellationToken cancellationToken = default) =>
        WriteAsync(root, relativePaths, destination, keepModificationTimes: false, cancellationToken);

    /// <summary>
    /// Archives as <see cref="WriteAsync(string, IEnumerable{string}, Stream, CancellationToken)"/> does; with
    /// <paramref name="keepModificationTimes"/>, each regular file's entry carries its modification time (to the second)
    /// instead of the fixed one, and the bytes then depend on those times too.
    /// </summary>
    /// <returns>The number of entries written.</returns>
    public static async Task<int> WriteAsync(string root, IEnumerable<string> relativePaths, Stream destination, bool keepModificationTimes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(relativePaths);
        var count = 0;
        var gzip = new GZipStream(destination, CompressionLevel.Optimal, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var tar = new TarWriter(gzip, TarEntryFormat.Gnu, leaveOpen: true);
            await using (tar.ConfigureAwait(false))
            {
                foreach (var relative in relativePaths.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var path = Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
                    var info = new FileInfo(path);
                    if (info.LinkTarget is { } target)
                    {
                        var link = NewEntry(TarEntryType.SymbolicLink, relative, ExecutableMode);
                        link.LinkName = target;
                        await tar.WriteEntryAsync(link, cancellationToken).ConfigureAwait(false);
                        count++;
                        continue;
                    }

                    if (!info.Exists)
                    {
                        continue; // a folder (a submodule), a device, or deleted since it was listed
                    }

                    var executable = (info.UnixFileMode & UnixFileMode.UserExecute) != 0;
                    var entry = NewEntry(TarEntryType.RegularFile, relative, executable ? ExecutableMode : RegularMode);
                    if (keepModificationTimes)
                    {
                        entry.ModificationTime = new DateTimeOffset(info.LastWriteTimeUtc);
                    }

                    var content = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 81920, useAsync: true);
                    await using (content.ConfigureAwait(false))
                    {
                        entry.DataStream = content;
                        await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                    }

                    count++;
                }
            }
        }

        return count;
    }

    private static GnuTarEntry NewEntry(TarEntryType type, string name, UnixFileMode mode) => new(type, name)
    {
        Mode = mode,
        ModificationTime = FixedTime,
        AccessTime = FixedTime,
        ChangeTime = FixedTime,
        Uid = 0,
        Gid = 0,
        UserName = string.Empty,
        GroupName = string.Empty,
    };
}
