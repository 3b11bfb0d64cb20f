namespace Dstack.Core.Environments;

/// <summary>How a job's environment is made.</summary>
public enum EnvironmentKind
{
    /// <summary>Nothing to prepare: the commands run with the host's tools.</summary>
    None,

    /// <summary>A Python virtualenv on a Python of the requested version, with the requirements installed.</summary>
    Virtualenv,

    /// <summary>A conda environment made by micromamba or conda from the conda file.</summary>
    Conda,

    /// <summary>The commands run in a Docker container of the image.</summary>
    Docker,
}
