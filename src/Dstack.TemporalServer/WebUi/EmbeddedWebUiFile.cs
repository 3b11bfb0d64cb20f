using System.Reflection;
using Microsoft.Extensions.FileProviders;

namespace Dstack.TemporalServer.WebUi;

/// <summary>One file of the embedded web UI, as ASP.NET Core's static file middleware reads it.</summary>
internal sealed class EmbeddedWebUiFile(Assembly assembly, string resource, string name, long length, DateTimeOffset lastModified) : IFileInfo
{
    public bool Exists => true;

    public long Length => length;

    public string? PhysicalPath => null;

    public string Name => name;

    public DateTimeOffset LastModified => lastModified;

    public bool IsDirectory => false;

    public Stream CreateReadStream() => assembly.GetManifestResourceStream(resource)!;
}
