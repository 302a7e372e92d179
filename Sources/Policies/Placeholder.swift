// Policies module placeholder
