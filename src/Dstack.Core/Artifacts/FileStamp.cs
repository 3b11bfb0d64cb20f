namespace Dstack.Core.Artifacts;

/// <summary>
/// A file's length and modification time: equal stamps before and after two separate reads of a file (one by the
/// kernel's copy, one by the hash) mean nobody wrote or replaced it in between.
/// </summary>
internal readonly record struct FileStamp(long Length, DateTime LastWriteTimeUtc)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return new(info.Length, info.LastWriteTimeUtc);
    }
}
