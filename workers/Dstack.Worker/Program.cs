using Dstack.Core;
using Dstack.Core.Settings;
using Dstack.Worker;
using Microsoft.Extensions.Hosting;

try
{
    using var host = DstackWorkerHost.Build(SettingsLoader.FromEnvironment().Load());
    await host.RunAsync().ConfigureAwait(false);
    return 0;
}
catch (DstackException e)
{
    await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
    return 2;
}
