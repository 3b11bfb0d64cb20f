using System.Text.RegularExpressions;

namespace Dstack.Core.Configuration;

/// <summary>A string that may contain <c>${{ run.name }}</c> and <c>${{ run.args }}</c>.</summary>
/// <remarks>Expressions were validated when the file was loaded; <see cref="Render"/> substitutes them.</remarks>
/// <param name="Text">The text as written.</param>
public sealed partial record TemplateString(string Text)
{
    /// <summary>The expressions a template may use.</summary>
    public static IReadOnlyList<string> Expressions { get; } = ["run.name", "run.args"];

    /// <summary>Substitutes the expressions with the run's values.</summary>
    public string Render(RunContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ExpressionRegex().Replace(Text, match => !match.Groups["close"].Success
            ? match.Value
            : Normalize(match.Groups["expr"].Value) switch
            {
                "run.name" => context.RunName,
                "run.args" => context.QuotedArgs,
                _ => match.Value,
            });
    }

    /// <summary>The text as written.</summary>
    public override string ToString() => Text;

    /// <summary>Removes whitespace, so that <c>${{run.name}}</c> and <c>${{ run.name }}</c> are the same.</summary>
    internal static string Normalize(string expression) => WhitespaceRegex().Replace(expression, string.Empty);

    /// <summary>Finds every <c>${{ ... }}</c>; an expression without its closing braces has an empty <c>close</c> group.</summary>
    [GeneratedRegex(@"\$\{\{(?<expr>(?:(?!\}\}).)*)(?<close>\}\})?", RegexOptions.Singleline)]
    internal static partial Regex ExpressionRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
