using System.Globalization;
using Dstack.Core.Backends;
using Dstack.Core.Jobs;

namespace Dstack.Cli.DevEnvironments;

/// <summary>What a run serves, forwarded here: the dev environment and the <c>ports</c>, each on a local port.</summary>
internal sealed class PortAttachment(JobEndpoints endpoints, IReadOnlyList<ForwardedPort> forwards) : IDisposable
{
    /// <summary>Gets instance port → local port.</summary>
    public IReadOnlyDictionary<int, int> LocalPorts { get; } = forwards.ToDictionary(f => f.RemotePort, f => f.LocalPort);

    /// <summary>Gets the dev environment's URL here (token included), or null for a run with <c>ports</c> only.</summary>
    public string? AppUrl => endpoints.AppPort is { } port
        ? string.Create(CultureInfo.InvariantCulture, $"http://localhost:{LocalPorts[port]}{endpoints.AppPath}")
        : null;

    /// <summary>Gets the lines that tell the user where to open what the run serves.</summary>
    public IEnumerable<string> Describe()
    {
        if (AppUrl is { } url)
        {
            yield return $"{endpoints.App} is ready: {url}";
        }

        for (var i = 0; i < endpoints.Ports.Count; i++)
        {
            var port = endpoints.Ports[i];
            yield return string.Create(CultureInfo.InvariantCulture, $"PORT_{i} ({port} on the machine): http://localhost:{LocalPorts[port]}");
        }
    }

    /// <summary>Stops forwarding.</summary>
    public void Dispose()
    {
        foreach (var forward in forwards)
        {
            forward.Dispose();
        }
    }
}
