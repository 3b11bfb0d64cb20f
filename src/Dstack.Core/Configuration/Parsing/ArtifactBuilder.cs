namespace Dstack.Core.Configuration.Parsing;

/// <summary>The parts of an <see cref="ArtifactSpec"/> while they are read.</summary>
internal sealed class ArtifactBuilder
{
    public TemplateString? Path { get; set; }

    public bool Mount { get; set; }

    public ArtifactSpec? Build() => Path is null ? null : new ArtifactSpec(Path, Mount);
}
