using System.Text.Json;
using System.Text.Json.Serialization;
using Dstack.Core.Storage;

namespace Dstack.Core.Runs;

/// <summary>
/// Run manifests in storage (<c>runs/&lt;run&gt;/manifest.json</c>), as indented camelCase JSON with enums as strings,
/// so that people and other tools can read them.
/// </summary>
public sealed class ManifestStore
{
    private const string ManifestFileName = "manifest.json";

    private readonly IStorage _storage;

    /// <summary>Creates a manifest store over <paramref name="storage"/>.</summary>
    public ManifestStore(IStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
    }

    /// <summary>Gets the JSON options manifests are written with.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Writes (or replaces) the manifest of <c>manifest.Spec.RunName</c>.</summary>
    public async Task WriteAsync(RunManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, JsonOptions), writable: false);
        await using (stream.ConfigureAwait(false))
        {
            await _storage.PutAsync(StorageLayout.Manifest(manifest.Spec.RunName), stream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the manifest of <paramref name="run"/>, or returns null when there is none.</summary>
    /// <exception cref="StorageException">The manifest is not valid JSON of a manifest.</exception>
    public Task<RunManifest?> ReadAsync(string run, CancellationToken cancellationToken = default) =>
        ReadKeyAsync(StorageLayout.Manifest(run), cancellationToken);

    /// <summary>Reads every manifest in storage, ordered by run name.</summary>
    /// <exception cref="StorageException">A manifest is not valid JSON of a manifest.</exception>
    public async Task<IReadOnlyList<RunManifest>> ListAsync(CancellationToken cancellationToken = default)
    {
        var objects = await _storage.ListAsync("runs/", cancellationToken).ConfigureAwait(false);
        var manifests = new List<RunManifest>();
        foreach (var o in objects.Where(o => IsManifestKey(o.Key)))
        {
            if (await ReadKeyAsync(o.Key, cancellationToken).ConfigureAwait(false) is { } manifest)
            {
                manifests.Add(manifest);
            }
        }

        return manifests;
    }

    /// <summary>True for <c>runs/&lt;run&gt;/manifest.json</c>, not for files of the same name deeper (in artifacts).</summary>
    private static bool IsManifestKey(string key)
    {
        var segments = key.Split('/');
        return segments.Length == 3 && segments[0] == "runs" && segments[2] == ManifestFileName;
    }

    private async Task<RunManifest?> ReadKeyAsync(string key, CancellationToken cancellationToken)
    {
        var stream = await _storage.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync<RunManifest>(stream, JsonOptions, cancellationToken).ConfigureAwait(false)
                    ?? throw new StorageException(key, $"The run manifest '{key}' in {_storage.Location} is empty (null).");
            }
            catch (JsonException e)
            {
                throw new StorageException(key, $"The run manifest '{key}' in {_storage.Location} is not valid: {e.Message}", e);
            }
        }
    }
}
