using System.Text.Json;
using System.Text.RegularExpressions;
using Dstack.Core.Storage;

namespace Dstack.Core.Tags;

/// <summary>Tags in storage, so they outlive Temporal's retention like the manifests and artifacts they point to.</summary>
public sealed partial class TagStore(IStorage storage)
{
    private const string Prefix = "tags/";
    private const string Suffix = ".json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Checks that <paramref name="name"/> is a tag name.</summary>
    /// <exception cref="TagException">It is not.</exception>
    public static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128 || !NameRegex().IsMatch(name))
        {
            throw new TagException($"'{name}' is not a valid tag: use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 128 characters).", isBadName: true);
        }
    }

    /// <summary>Writes (or replaces) a tag.</summary>
    public async Task WriteAsync(TagRecord tag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tag);
        CheckName(tag.Name);
        await using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(tag, Json), writable: false);
        await storage.PutAsync(Key(tag.Name), stream, cancellationToken);
    }

    /// <summary>Reads a tag, or returns null when there is none.</summary>
    public async Task<TagRecord?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        await using var stream = await storage.OpenReadAsync(Key(name), cancellationToken);
        if (stream is null)
        {
            return null;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<TagRecord>(stream, Json, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new TagException($"the tag '{name}' in {storage.Location} is damaged ({e.Message}); delete it with `dstack tags delete {name} -y` and add it again.");
        }
    }

    /// <summary>Gets every tag, ordered by name.</summary>
    public async Task<IReadOnlyList<TagRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var tags = new List<TagRecord>();
        foreach (var o in await storage.ListAsync(Prefix, cancellationToken))
        {
            var name = o.Key[Prefix.Length..];
            if (name.EndsWith(Suffix, StringComparison.Ordinal) && NameRegex().IsMatch(name[..^Suffix.Length])
                && await ReadAsync(name[..^Suffix.Length], cancellationToken) is { } tag)
            {
                tags.Add(tag);
            }
        }

        return tags;
    }

    /// <summary>Deletes a tag (not the artifacts it names); returns false when there was none.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        if (!await storage.ExistsAsync(Key(name), cancellationToken))
        {
            return false;
        }

        await storage.DeleteAsync(Key(name), cancellationToken);
        return true;
    }

    private static string Key(string name) => StorageLayout.Tag(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NameRegex();
}
