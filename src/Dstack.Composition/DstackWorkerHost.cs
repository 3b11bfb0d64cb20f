using Dstack.Core.Settings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dstack.Composition;

/// <summary>Builds the worker host, for <c>dstack worker</c>, for <c>dstack server</c> (in-process) and for this executable.</summary>
public static class DstackWorkerHost
{
    public static IHost Build(DstackSettings settings, LogLevel logLevel = LogLevel.Warning)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Services.AddDstackWorker(settings);
        return builder.Build();
    }
}
