namespace Dstack.TemporalServer.Visibility;

internal enum OperandKind
{
    Column,
    String,
    Number,
    Bool,
    Null,
    Tuple,
}
