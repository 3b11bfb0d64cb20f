using System.Reflection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Dstack.TemporalServer.WebUi;

/// <summary>
/// The built Temporal Web UI, embedded in this assembly by WebUi.targets as manifest resources named <c>WebUi/&lt;path&gt;</c>.
/// Plain manifest resources need no package and no generated manifest, and their names are the URL paths.
/// </summary>
internal sealed class EmbeddedWebUiFiles : IFileProvider
{
    private const string Prefix = "WebUi/";
    private const string IndexPath = "index.html";

    private readonly Assembly _assembly = typeof(EmbeddedWebUiFiles).Assembly;
    private readonly Dictionary<string, string> _resources;
    private readonly DateTimeOffset _lastModified;
    private readonly Lazy<byte[]> _index;

    private EmbeddedWebUiFiles()
    {
        _resources = _assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(name => name[Prefix.Length..], StringComparer.Ordinal);

        // Browsers revalidate the unhashed files (version.json) by date; a new build of the server must look newer.
        // A single-file bundle has no assembly path, and then the start of the process is the safe answer.
        _lastModified = string.IsNullOrEmpty(_assembly.Location)
            ? DateTimeOffset.UtcNow
            : new DateTimeOffset(File.GetLastWriteTimeUtc(_assembly.Location));
        _index = new(() => Read(IndexPath));
    }

    /// <summary>Gets the files of this assembly.</summary>
    public static EmbeddedWebUiFiles Instance { get; } = new();

    /// <summary>Gets a value indicating whether the UI was built into this assembly (the build had Node.js and npm).</summary>
    public bool IsIncluded => _resources.ContainsKey(IndexPath);

    /// <summary>Gets the app's page, which the server answers for every client-side route.</summary>
    public ReadOnlyMemory<byte> IndexHtml => _index.Value;

    public IFileInfo GetFileInfo(string subpath)
    {
        var path = subpath.TrimStart('/');
        if (!_resources.TryGetValue(path, out var resource))
        {
            return new NotFoundFileInfo(subpath);
        }

        using var stream = _assembly.GetManifestResourceStream(resource)!;
        return new EmbeddedWebUiFile(_assembly, resource, Path.GetFileName(path), stream.Length, _lastModified);
    }

    public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    private byte[] Read(string path)
    {
        if (!_resources.TryGetValue(path, out var resource))
        {
            return [];
        }

        using var stream = _assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
