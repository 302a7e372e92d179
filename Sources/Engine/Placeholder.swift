// Engine module placeholder
