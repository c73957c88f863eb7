// The built-ins that structuredClone and the serializer of values crossing isolates use,
// captured when the library loads and called with .call, so that brand checks read the real
// internal slots rather than properties a worker could replace.
const getter = (o, k) => Object.getOwnPropertyDescriptor(o, k).get;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
return {
  getter,
  call: Function.prototype.call.bind(Function.prototype.call),
  fnToString: Function.prototype.toString,
  TypedArrayPrototype,
  typedArrayTag: getter(TypedArrayPrototype, Symbol.toStringTag),
  typedArrayBuffer: getter(TypedArrayPrototype, "buffer"),
  typedArrayOffset: getter(TypedArrayPrototype, "byteOffset"),
  typedArrayLength: getter(TypedArrayPrototype, "length"),
  dataViewBuffer: getter(DataView.prototype, "buffer"),
  dataViewOffset: getter(DataView.prototype, "byteOffset"),
  dataViewLength: getter(DataView.prototype, "byteLength"),
  bufferSlice: ArrayBuffer.prototype.slice,
  regExpSource: getter(RegExp.prototype, "source"),
  regExpFlags: getter(RegExp.prototype, "flags"),
  dateTime: Date.prototype.getTime,
  numberValue: Number.prototype.valueOf,
  stringValue: String.prototype.valueOf,
  booleanValue: Boolean.prototype.valueOf,
  bigintValue: BigInt.prototype.valueOf,
  symbolValue: Symbol.prototype.valueOf,
  mapHas: Map.prototype.has,
  mapForEach: Map.prototype.forEach,
  setHas: Set.prototype.has,
  setForEach: Set.prototype.forEach,
  weakMapHas: WeakMap.prototype.has,
  weakSetHas: WeakSet.prototype.has,
};
