namespace Dstack.Core.Configuration;

/// <summary>What a dependency refers to.</summary>
public enum DepKind
{
    /// <summary><c>workflow</c>: the newest successful run of that workflow.</summary>
    Workflow,

    /// <summary><c>tag</c>: the run the tag points to.</summary>
    Tag,

    /// <summary><c>run</c>: a run by name.</summary>
    Run,
}
