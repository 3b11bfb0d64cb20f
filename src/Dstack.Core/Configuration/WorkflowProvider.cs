namespace Dstack.Core.Configuration;

/// <summary>What a workflow runs.</summary>
public enum WorkflowProvider
{
    /// <summary><c>bash</c>: runs <c>commands</c> in a shell.</summary>
    Bash,

    /// <summary><c>docker</c>: runs <c>commands</c> (or the entrypoint) in the container of <c>image</c>.</summary>
    Docker,

    /// <summary><c>code</c>: VS Code in the browser.</summary>
    Code,

    /// <summary><c>lab</c>: JupyterLab.</summary>
    Lab,

    /// <summary><c>notebook</c>: Jupyter Notebook.</summary>
    Notebook,
}
