namespace Dstack.Core.Configuration;

/// <summary>Which configuration a <see cref="ConfigurationException"/> is about.</summary>
public enum ConfigurationKind
{
    /// <summary>The repository's workflows files (<c>.dstack/workflows.yml</c>) or the run's options.</summary>
    Workflows,

    /// <summary>dstack's own settings: <c>$DSTACK_HOME/config.yml</c>, the Temporal profile and the environment variables.</summary>
    Settings,
}
