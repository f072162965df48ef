export { compileMapping, parseMapping, loadMappingFile, loadMappingDir, sourceOf, targetOf, type CompiledMapping, type CompiledField, type Direction } from './compile';
export { validateMapping, assertMappingsValid, type ValidationContext } from './validate';
export { mapRecord, fieldsFor, sourcePaths, lineageOf, lookupFieldOf, type MapResult, type MappedValue, type SourceRecord } from './mapper';
export { previewMapping, sameValue, type Preview, type FieldDiff } from './preview';
export { MappingConfigError, MappingRecordError, formatIssue, type MappingIssue } from './errors';
export { getPath, setPath } from './paths';
export { mappingSpec, type MappingSpec, type FieldSpec, type Owner } from './spec';
