using System.Formats.Tar;
using System.IO.Compression;

namespace Dstack.Core.Archives;

/// <summary>
/// Extracts .tar.gz archives (code snapshots, artifacts) into a folder and refuses any entry that would write
/// outside it: absolute names, <c>..</c> segments, links that point outside, and writes through such links.
/// </summary>
public static class SafeExtractor
{
    private const int MaxLinkHops = 40;

    private const UnixFileMode PermissionBits =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Extracts the .tar.gz file at <paramref name="archivePath"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="UnsafeArchiveException">An entry would be written outside <paramref name="destination"/>.</exception>
    public static async Task<int> ExtractFileAsync(string archivePath, string destination, CancellationToken cancellationToken = default)
    {
        var stream = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            return await ExtractAsync(stream, destination, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Extracts a .tar.gz stream into <paramref name="destination"/> (created when missing).</summary>
    /// <returns>The number of entries extracted.</returns>
    /// <exception cref="UnsafeArchiveException">An entry would be written outside <paramref name="destination"/>.</exception>
    public static async Task<int> ExtractAsync(Stream archive, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));
        Directory.CreateDirectory(root);
        var count = 0;
        var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var reader = new TarReader(gzip, leaveOpen: true);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (await ExtractEntryAsync(entry, root, cancellationToken).ConfigureAwait(false))
                    {
                        count++;
                    }
                }
            }
        }

        return count;
    }

    private static async Task<bool> ExtractEntryAsync(TarEntry entry, string root, CancellationToken cancellationToken)
    {
        var name = entry.Name;
        var relative = CheckName(name);
        if (relative.Length == 0)
        {
            return false; // "./": the folder itself
        }

        var target = Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));

        // The folder the entry goes into may contain links extracted earlier: resolve them as the OS will.
        var parent = Path.GetDirectoryName(target)!; // target is under root, so it has a parent
        var relativeParent = relative.Contains('/', StringComparison.Ordinal) ? relative[..relative.LastIndexOf('/')] : string.Empty;
        if (!IsInside(root, Resolve(root, relativeParent)))
        {
            throw new UnsafeArchiveException(name, "its folder is reached through a link that points outside the target folder");
        }

        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (new FileInfo(target).LinkTarget is not null)
                {
                    throw new UnsafeArchiveException(name, "a folder would replace a link");
                }

                Directory.CreateDirectory(target);
                SetMode(target, entry.Mode);
                return true;

            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Directory.CreateDirectory(parent);
                RemoveExisting(target);
                var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                await using (file.ConfigureAwait(false))
                {
                    if (entry.DataStream is { } data)
                    {
                        await data.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                    }
                }

                SetMode(target, entry.Mode);

                // As tar does: the file keeps the time it was written by the job, not the time it was unpacked.
                File.SetLastWriteTimeUtc(target, entry.ModificationTime.UtcDateTime);
                return true;

            case TarEntryType.SymbolicLink:
                var linkName = entry.LinkName;
                if (linkName.Length == 0 || linkName.StartsWith('/') || Path.IsPathRooted(linkName))
                {
                    throw new UnsafeArchiveException(name, $"it is a link to the absolute path '{linkName}'");
                }

                if (!IsInside(root, Resolve(root, relativeParent + "/" + linkName)))
                {
                    throw new UnsafeArchiveException(name, $"it is a link to '{linkName}', outside the target folder");
                }

                Directory.CreateDirectory(parent);
                RemoveExisting(target);
                File.CreateSymbolicLink(target, linkName);
                return true;

            case TarEntryType.HardLink:
                var sourceRelative = CheckName(entry.LinkName);
                var source = Path.Combine(root, sourceRelative.Replace('/', Path.DirectorySeparatorChar));
                if (!IsInside(root, Resolve(root, sourceRelative)) || !File.Exists(source))
                {
                    throw new UnsafeArchiveException(name, $"it is a hard link to '{entry.LinkName}', which is not a file extracted before");
                }

                Directory.CreateDirectory(parent);
                RemoveExisting(target);
                File.Copy(source, target);
                return true;

            default:
                // Devices, FIFOs and the like have no place in code or artifacts.
                return false;
        }
    }

    /// <summary>Normalizes an entry name and refuses absolute names and <c>..</c> segments.</summary>
    private static string CheckName(string name)
    {
        if (name.StartsWith('/') || name.StartsWith('\\') || Path.IsPathRooted(name) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new UnsafeArchiveException(name, "its path is absolute");
        }

        var segments = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToList();
        if (segments.Contains(".."))
        {
            throw new UnsafeArchiveException(name, "its path contains '..'");
        }

        return string.Join('/', segments);
    }

    /// <summary>
    /// Resolves <paramref name="relative"/> (slash-separated, from <paramref name="root"/>) component by component, following
    /// the links that exist, like realpath, so that a chain of individually harmless links cannot lead outside. Missing
    /// components are taken literally. Never normalized lexically first: <c>link/..</c> is not the folder of <c>link</c>.
    /// </summary>
    private static string Resolve(string root, string relative)
    {
        var pending = new Stack<string>(relative.Split('/').Reverse());
        var current = root;
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } link)
            {
                if (++hops > MaxLinkHops)
                {
                    return string.Empty; // a loop: treated as outside
                }

                if (Path.IsPathRooted(link))
                {
                    current = "/";
                }

                foreach (var linkPart in link.Split('/').Reverse())
                {
                    pending.Push(linkPart);
                }

                continue;
            }

            current = next;
        }

        return current;
    }

    private static bool IsInside(string root, string path) =>
        path.Length > 0
        && (path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    private static void RemoveExisting(string target)
    {
        var info = new FileInfo(target);
        if (info.LinkTarget is not null || info.Exists)
        {
            info.Delete(); // never write through an existing link
        }
        else if (Directory.Exists(target))
        {
            throw new UnsafeArchiveException(target, "a file would replace a folder");
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            // Keep permission bits only: setuid, setgid and sticky bits from an archive are not trusted.
            File.SetUnixFileMode(path, (mode & PermissionBits) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
