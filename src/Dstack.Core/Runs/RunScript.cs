namespace Dstack.Core.Runs;

/// <summary>
/// The parts of a <see cref="RunSpec"/> that grow with the workflows file and the repository without bound: <c>setup</c>,
/// <c>commands</c>, <c>env</c> and the content of the requirements and conda files. Only the activity that writes the
/// job's script needs them, so when they are big they travel through storage (<see cref="RunScriptStore"/>) instead of
/// through Temporal, whose payloads are limited (<see cref="RunSpecLimits"/>).
/// </summary>
public sealed record RunScript
{
    public IReadOnlyList<string> Setup { get; init; } = [];

    public IReadOnlyList<string> Commands { get; init; } = [];

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public string? Requirements { get; init; }

    public string? Conda { get; init; }

    /// <summary>Gets the script parts of <paramref name="spec"/>.</summary>
    public static RunScript Of(RunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new RunScript { Setup = spec.Setup, Commands = spec.Commands, Env = spec.Env, Requirements = spec.Requirements, Conda = spec.Conda };
    }

    /// <summary>
    /// Gets an upper bound of the bytes these parts take in a JSON payload: every character that a JSON writer may escape
    /// counted as its longest escape, so that a script just under the bound never turns out bigger once serialized.
    /// </summary>
    public long EstimatedJsonBytes()
    {
        long size = 0;
        foreach (var line in Setup.Concat(Commands))
        {
            size += JsonTextSize.Of(line) + 1;
        }

        foreach (var (name, value) in Env)
        {
            size += JsonTextSize.Of(name) + JsonTextSize.Of(value) + 2;
        }

        return size + JsonTextSize.Of(Requirements) + JsonTextSize.Of(Conda);
    }

    /// <summary>Gets <paramref name="spec"/> with these parts in place of its own.</summary>
    public RunSpec ApplyTo(RunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec with { Setup = Setup, Commands = Commands, Env = Env, Requirements = Requirements, Conda = Conda };
    }
}
