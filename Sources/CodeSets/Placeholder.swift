// CodeSets module placeholder
