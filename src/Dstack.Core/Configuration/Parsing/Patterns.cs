namespace Dstack.Core.Configuration.Parsing;

/// <summary>Regular expressions shared by the parser and the JSON Schema (ECMAScript-compatible).</summary>
internal static class Patterns
{
    public const string Count = "[0-9]+";
    public const string CountRange = "(?:" + Count + "|" + Count + @"\.\.(?:" + Count + @")?|\.\." + Count + ")";
    public const string SizeRange = "(?:" + MemorySize.Pattern + "|" + MemorySize.Pattern + @"\.\.(?:" + MemorySize.Pattern + @")?|\.\." + MemorySize.Pattern + ")";
    public const string GpuName = "[A-Za-z][A-Za-z0-9_.-]*";
    public const string GpuNames = GpuName + "(?:," + GpuName + ")*";
    public const string GpuToken = "(?:" + GpuNames + "|" + SizeRange + "|" + CountRange + ")";

    public const string CountRangeText = "^" + CountRange + "$";
    public const string SizeText = "^" + MemorySize.Pattern + "$";
    public const string SizeRangeText = "^" + SizeRange + "$";
    public const string GpuNameText = "^" + GpuName + "$";
    public const string GpuCompactText = "^" + GpuToken + "(?::" + GpuToken + ")*$";

    /// <summary>A positive duration: a number and a unit (s, m, h, d, w).</summary>
    public const string DurationText = "^0*[1-9][0-9]*[smhdw]$";

    public const string EnvName = "[A-Za-z_][A-Za-z0-9_]*";
    public const string EnvNameText = "^" + EnvName + "$";

    /// <summary>Text whose every <c>${{ }}</c> is <c>run.name</c> or <c>run.args</c> (no anchors).</summary>
    public const string TemplateBody = @"(?:[^$]|\$(?!\{\{)|\$\{\{\s*run\s*\.\s*(?:name|args)\s*\}\})*";
    public const string TemplateText = "^" + TemplateBody + "$";
    public const string EnvEntryText = "^" + EnvName + "(?:=" + TemplateBody + ")?$";

    public const string WorkflowNameText = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";
    public const string PythonText = @"^3\.(?:[7-9]|1[0-4])$";
}
