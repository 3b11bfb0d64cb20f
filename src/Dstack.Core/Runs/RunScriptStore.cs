using System.Security.Cryptography;
using System.Text.Json;
using Dstack.Core.Storage;

namespace Dstack.Core.Runs;

/// <summary>
/// Keeps a run spec small however big its workflow: a <see cref="RunScript"/> over
/// <see cref="RunSpecLimits.InlineScriptBytes"/> is stored at <c>scripts/&lt;sha256&gt;.json</c> (content-addressed, like
/// code snapshots) and the spec carries only its hash (<see cref="RunSpec.ScriptHash"/>); the activity that writes the
/// job's script reads it back.
/// </summary>
public sealed class RunScriptStore
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly IStorage _storage;

    /// <summary>Creates a script store over <paramref name="storage"/>.</summary>
    public RunScriptStore(IStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
    }

    /// <summary>
    /// Moves the script of <paramref name="spec"/> to storage when it is too big to travel inline; returns the spec to
    /// submit (the same spec when its script is small or already stored).
    /// </summary>
    public async Task<RunSpec> OffloadAsync(RunSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var script = RunScript.Of(spec);
        if (spec.ScriptHash is not null || script.EstimatedJsonBytes() <= RunSpecLimits.InlineScriptBytes)
        {
            return spec;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(script, JsonOptions);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var key = StorageLayout.Script(hash);
        if (!await _storage.ExistsAsync(key, cancellationToken).ConfigureAwait(false))
        {
            var stream = new MemoryStream(bytes, writable: false);
            await using (stream.ConfigureAwait(false))
            {
                await _storage.PutAsync(key, stream, cancellationToken).ConfigureAwait(false);
            }
        }

        return new RunScript().ApplyTo(spec) with { ScriptHash = hash };
    }

    /// <summary>Gets <paramref name="spec"/> with its script in place: read from storage when the spec carries only its hash.</summary>
    /// <exception cref="StorageException">The script is missing from storage, or is not what its hash says.</exception>
    public async Task<RunSpec> ResolveAsync(RunSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.ScriptHash is not { } hash)
        {
            return spec;
        }

        var key = StorageLayout.Script(hash);
        var stream = await _storage.OpenReadAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new StorageException(key, $"the script {hash} of run {spec.RunName} (its setup, commands and env) is missing from storage ({_storage.Location})");
        byte[] bytes;
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            bytes = buffer.ToArray();
        }

        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), hash, StringComparison.Ordinal))
        {
            throw new StorageException(key, $"the script '{key}' of run {spec.RunName} in {_storage.Location} does not match its sha256 (corrupt or replaced)");
        }

        try
        {
            var script = JsonSerializer.Deserialize<RunScript>(bytes, JsonOptions)
                ?? throw new StorageException(key, $"the script '{key}' of run {spec.RunName} in {_storage.Location} is empty (null)");
            return script.ApplyTo(spec);
        }
        catch (JsonException e)
        {
            throw new StorageException(key, $"the script '{key}' of run {spec.RunName} in {_storage.Location} is not valid: {e.Message}", e);
        }
    }
}
