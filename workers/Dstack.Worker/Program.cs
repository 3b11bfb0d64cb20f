using Dstack.Composition;
using Dstack.Core;
using Dstack.Core.Settings;
using Dstack.Workflows.Connection;
using Microsoft.Extensions.Hosting;

try
{
    var settings = SettingsLoader.FromEnvironment(new TemporalEnvConfigSource()).Load();

    // A refused key or certificate is one line here; once the host runs, the hosted worker would log it with a stack trace.
    await TemporalClientFactory.ConnectAsync(settings.Temporal).ConfigureAwait(false);
    using var host = DstackWorkerHost.Build(settings);
    await host.RunAsync().ConfigureAwait(false);
    return 0;
}
catch (DstackException e)
{
    await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
    return 2;
}
