using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>The root map of a workflows file while it is read.</summary>
internal sealed class RootBuilder
{
    public YamlSequenceNode? Workflows { get; set; }
}
