using System.Globalization;

namespace Dstack.Core.Jobs;

/// <summary>
/// What a job serves on its instance, as its script records it in <see cref="FileName"/> in the job folder: the ports of
/// <c>ports</c> (<c>PORT_0..N</c>) and, for a dev environment, the application's port and the path (with its token)
/// that opens it. The file is written once the ports are known (for a dev environment: once it listens), with mode 0600,
/// and is read by the CLI through the backend's shell; it never passes through Temporal or the log store.
/// </summary>
/// <param name="Ports">The instance ports of <c>PORT_0..N</c>, in order.</param>
/// <param name="App">The dev environment's name (<c>Jupyter Notebook</c>), or null.</param>
/// <param name="AppPort">The dev environment's instance port, or null.</param>
/// <param name="AppPath">The path that opens it, token included (<c>/?token=...</c>), or null.</param>
public sealed record JobEndpoints(IReadOnlyList<int> Ports, string? App, int? AppPort, string? AppPath)
{
    /// <summary>The file's name in the job folder.</summary>
    public const string FileName = "ports.env";

    /// <summary>Gets every instance port to forward: the application's first, then <see cref="Ports"/>.</summary>
    public IReadOnlyList<int> AllPorts => AppPort is { } app ? [app, .. Ports.Where(p => p != app)] : Ports;

    /// <summary>Reads the file's <c>KEY=VALUE</c> lines; unknown keys are ignored (a newer dstack may write more).</summary>
    /// <exception cref="FormatException">A port is not a number from 1 to 65535.</exception>
    public static JobEndpoints Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ports = new SortedDictionary<int, int>();
        string? app = null;
        string? appPath = null;
        int? appPort = null;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var (key, value) = (line[..equals], line[(equals + 1)..]);
            if (key.StartsWith("PORT_", StringComparison.Ordinal) && int.TryParse(key[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                ports[index] = Port(value, key);
            }
            else if (key == "APP")
            {
                app = value;
            }
            else if (key == "APP_PORT")
            {
                appPort = Port(value, key);
            }
            else if (key == "APP_PATH")
            {
                appPath = value;
            }
        }

        return new JobEndpoints([.. ports.Values], app, appPort, appPath);
    }

    private static int Port(string value, string key) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new FormatException($"{FileName}: {key} is '{value}', not a port number.");
}
