using YamlDotNet.Core;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>A workflow read from a file, with where its name is written and its key path.</summary>
internal sealed record ParsedWorkflow(WorkflowSpec Spec, Mark NameMark, string Path);
