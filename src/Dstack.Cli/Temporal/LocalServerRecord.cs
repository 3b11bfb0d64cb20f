using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dstack.Cli.Temporal;

/// <summary>
/// What a running <c>dstack server</c> tells the other commands of its dstack folder: its process, where it serves
/// Temporal's gRPC API and where its Web UI is. Written at start to <c>server.json</c>, removed when it stops.
/// </summary>
/// <param name="ProcessId">The server's process.</param>
/// <param name="Address">host:port of its gRPC API.</param>
/// <param name="UiUrl">Its Web UI's base URL, or null when it runs headless or without the UI.</param>
internal sealed record LocalServerRecord(
    [property: JsonPropertyName("pid")] int ProcessId,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("ui_url")] string? UiUrl)
{
    public const string FileName = "server.json";

    /// <summary>Reads the record of the dstack folder <paramref name="home"/>; null when there is none or it is unreadable.</summary>
    public static LocalServerRecord? Read(string home)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(home, FileName)), LocalServerRecordJson.Default.LocalServerRecord);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // No server recorded, or a record cut short by a crash: either way there is nothing to link to.
            return null;
        }
    }

    /// <summary>Writes this record into the dstack folder <paramref name="home"/>, replacing any earlier one at once.</summary>
    public void Write(string home)
    {
        Directory.CreateDirectory(home);
        var path = Path.Combine(home, FileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, LocalServerRecordJson.Default.LocalServerRecord));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Removes the record of <paramref name="home"/> when it is still this process's.</summary>
    public static void Remove(string home, int processId)
    {
        if (Read(home) is { } record && record.ProcessId == processId)
        {
            File.Delete(Path.Combine(home, FileName));
        }
    }
}
