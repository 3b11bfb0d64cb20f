namespace Dstack.Core.Configuration;

/// <summary>The spelling of enum values in workflows files.</summary>
public static class ConfigNames
{
    /// <summary>The name of a provider as written in YAML (<c>bash</c>, <c>docker</c>, ...).</summary>
    public static string ToConfigName(this WorkflowProvider value) => value switch
    {
        WorkflowProvider.Bash => "bash",
        WorkflowProvider.Docker => "docker",
        WorkflowProvider.Code => "code",
        WorkflowProvider.Lab => "lab",
        WorkflowProvider.Notebook => "notebook",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };

    /// <summary>The name of a spot policy as written in YAML.</summary>
    public static string ToConfigName(this SpotPolicy value) => value switch
    {
        SpotPolicy.OnDemand => "on-demand",
        SpotPolicy.Spot => "spot",
        SpotPolicy.Auto => "auto",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };

    /// <summary>The name of a retry event as written in YAML.</summary>
    public static string ToConfigName(this RetryEvent value) => value switch
    {
        RetryEvent.NoCapacity => "no-capacity",
        RetryEvent.Interruption => "interruption",
        RetryEvent.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };

    /// <summary>The name of a backend as written in YAML.</summary>
    public static string ToConfigName(this BackendType value) => value switch
    {
        BackendType.Local => "local",
        BackendType.Ssh => "ssh",
        BackendType.Aws => "aws",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };

    /// <summary>The name of a GPU vendor as written in YAML.</summary>
    public static string ToConfigName(this GpuVendor value) => value switch
    {
        GpuVendor.Nvidia => "nvidia",
        GpuVendor.Amd => "amd",
        GpuVendor.Google => "google",
        GpuVendor.Intel => "intel",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };
}
