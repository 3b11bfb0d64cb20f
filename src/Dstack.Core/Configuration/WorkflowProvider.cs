using System.Text.Json.Serialization;

namespace Dstack.Core.Configuration;

/// <summary>
/// What a workflow runs. In JSON (run specs in Temporal histories and manifests) it is spelled as in workflows files, as
/// when it was a string (see <see cref="SpotPolicy"/>).
/// </summary>
public enum WorkflowProvider
{
    /// <summary><c>bash</c>: runs <c>commands</c> in a shell.</summary>
    [JsonStringEnumMemberName("bash")]
    Bash,

    /// <summary><c>docker</c>: runs <c>commands</c> (or the entrypoint) in the container of <c>image</c>.</summary>
    [JsonStringEnumMemberName("docker")]
    Docker,

    /// <summary><c>code</c>: VS Code in the browser.</summary>
    [JsonStringEnumMemberName("code")]
    Code,

    /// <summary><c>lab</c>: JupyterLab.</summary>
    [JsonStringEnumMemberName("lab")]
    Lab,

    /// <summary><c>notebook</c>: Jupyter Notebook.</summary>
    [JsonStringEnumMemberName("notebook")]
    Notebook,
}
