namespace Dstack.Core.Configuration;

/// <summary>A GPU (or accelerator) vendor.</summary>
public enum GpuVendor
{
    /// <summary><c>nvidia</c>.</summary>
    Nvidia,

    /// <summary><c>amd</c>.</summary>
    Amd,

    /// <summary><c>google</c> (also written <c>tpu</c>).</summary>
    Google,

    /// <summary><c>intel</c>.</summary>
    Intel,
}
