using System.Formats.Tar;
using System.IO.Compression;
using Dstack.Core.Archives;

namespace Dstack.Core.Tests.Archives;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SafeExtractorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<MemoryStream> ArchiveAsync(params TarEntry[] entries)
    {
        var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                await tar.WriteEntryAsync(entry);
            }
        }

        buffer.Position = 0;
        return buffer;
    }

    private static PaxTarEntry FileEntry(string name, string content = "x") =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) };

    private static PaxTarEntry LinkEntry(string name, string target) =>
        new(TarEntryType.SymbolicLink, name) { LinkName = target };

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("/etc/evil")]
    public async Task ExtractAsync_EscapingName_Refuses(string name)
    {
        var target = _dir.Combine("out");
        using var archive = await ArchiveAsync(FileEntry("ok.txt"), FileEntry(name));

        var e = await Assert.ThrowsAsync<UnsafeArchiveException>(() => SafeExtractor.ExtractAsync(archive, target));

        Assert.Equal(name, e.EntryName);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.Combine("x")));
    }

    [Theory]
    [InlineData("/etc")]
    [InlineData("../..")]
    [InlineData("sub/../../outside")]
    public async Task ExtractAsync_LinkPointingOutside_Refuses(string linkTarget)
    {
        using var archive = await ArchiveAsync(LinkEntry("link", linkTarget));

        await Assert.ThrowsAsync<UnsafeArchiveException>(() => SafeExtractor.ExtractAsync(archive, _dir.Combine("out")));
    }

    [Fact]
    public async Task ExtractAsync_ChainOfLinksLeadingOutside_Refuses()
    {
        // Each link alone stays inside lexically; resolved as the OS does, the second leads out of the folder.
        using var archive = await ArchiveAsync(
            LinkEntry("d/a", ".."),
            LinkEntry("e", "d/a/.."),
            FileEntry("e/pwned"));

        await Assert.ThrowsAsync<UnsafeArchiveException>(() => SafeExtractor.ExtractAsync(archive, _dir.Combine("out")));
        Assert.False(File.Exists(_dir.Combine("pwned")));
    }

    [Fact]
    public async Task ExtractAsync_SafeArchive_ExtractsFilesModesAndInnerLinks()
    {
        var exe = FileEntry("bin/run.sh", "#!/bin/sh\n");
        exe.Mode = (UnixFileMode)0b111_101_101;
        using var archive = await ArchiveAsync(FileEntry("./a/b.txt", "hello"), exe, LinkEntry("a/link", "b.txt"));
        var target = _dir.Combine("out");

        var count = await SafeExtractor.ExtractAsync(archive, target);

        Assert.Equal(3, count);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(target, "a", "link")));
        Assert.True(File.GetUnixFileMode(Path.Combine(target, "bin", "run.sh")).HasFlag(UnixFileMode.UserExecute));
    }
}
