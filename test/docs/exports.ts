/**
 * What an entry point exports, as the TypeScript compiler sees it: values and type-only names,
 * and the members of an exported interface, class or union of literals.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ExportedSymbol {
  readonly name: string;
  /** Exists at run time (a function, class, constant); otherwise type-only. */
  readonly isValue: boolean;
  readonly symbol: ts.Symbol;
}

export interface EntryExports {
  readonly symbols: ReadonlyMap<string, ExportedSymbol>;
  /**
   * The documentable members of an exported name: an interface's or class's own properties and
   * methods (inherited library members such as EventEmitter's, and symbol-keyed or private ones,
   * left out), or the values of a union of string literals. `undefined` for anything else.
   */
  membersOf(name: string): string[] | undefined;
}

/** Type-checks the entry files together (one program) and reads their exports. */
export function readExports(entryFiles: readonly string[]): Map<string, EntryExports> {
  const config = ts.readConfigFile(`${ROOT}tsconfig.json`, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const paths = entryFiles.map((file) => `${ROOT}${file}`);
  const program = ts.createProgram(paths, { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const result = new Map<string, EntryExports>();
  entryFiles.forEach((file, index) => {
    const source = program.getSourceFile(paths[index]!);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`cannot read the exports of ${file}`);
    const symbols = new Map<string, ExportedSymbol>();
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      symbols.set(exported.name, { name: exported.name, isValue: (target.flags & ts.SymbolFlags.Value) !== 0, symbol: target });
    }
    result.set(file, {
      symbols,
      membersOf: (name) => {
        const exported = symbols.get(name);
        return exported === undefined ? undefined : membersOf(checker, exported.symbol);
      },
    });
  });
  return result;
}

function isOwnMember(property: ts.Symbol): boolean {
  if (property.name.startsWith('__@') || property.name.startsWith('#') || property.name.startsWith('__#')) return false;
  return (property.declarations ?? []).some((declaration) => !declaration.getSourceFile().fileName.includes('/node_modules/'));
}

function membersOf(checker: ts.TypeChecker, symbol: ts.Symbol): string[] | undefined {
  const isType = symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class | ts.SymbolFlags.TypeAlias);
  if (!isType) return undefined;
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  if (type.isUnion()) {
    const literals = type.types.filter((member): member is ts.StringLiteralType => member.isStringLiteral());
    return literals.length === type.types.length ? literals.map((literal) => literal.value) : undefined;
  }
  if (!(type.flags & ts.TypeFlags.Object)) return undefined;
  return checker.getPropertiesOfType(type).filter(isOwnMember).map((property) => property.name);
}
