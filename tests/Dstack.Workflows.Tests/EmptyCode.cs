using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Storage;

namespace Dstack.Workflows.Tests;

/// <summary>A code snapshot of an empty repository, for runs whose job needs no code.</summary>
public static class EmptyCode
{
    /// <summary>A bash run of <paramref name="commands"/> over the empty snapshot, which it stores.</summary>
    public static async Task<RunSpec> BashRunAsync(IStorage storage, string run, params string[] commands) =>
        TestSpecs.Bash(run, commands) with { WorkflowName = run.Split('-')[0], CodeHash = await PutAsync(storage) };

    /// <summary>Stores the snapshot (a tar.gz with an empty <c>src/</c>) and returns its hash.</summary>
    public static async Task<string> PutAsync(IStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        using var archive = new MemoryStream();
        await using (var gzip = new GZipStream(archive, CompressionLevel.Fastest, leaveOpen: true))
        {
            await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "src/"));
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(archive.ToArray()));
        archive.Position = 0;
        await storage.PutAsync(StorageLayout.Code(hash), archive);
        return hash;
    }
}
