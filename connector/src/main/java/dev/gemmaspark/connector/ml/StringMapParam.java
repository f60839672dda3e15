package dev.gemmaspark.connector.ml;

import java.io.Serial;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;

/** A string-to-string map parameter, saved by ML persistence as a JSON object. */
public final class StringMapParam extends Param<Map<String, String>> {
    @Serial
    private static final long serialVersionUID = 1L;

    private static final ObjectMapper JSON = new ObjectMapper();

    public StringMapParam(Identifiable parent, String name, String doc) {
        super(parent, name, doc);
    }

    @Override
    public String jsonEncode(Map<String, String> value) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode param " + name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, String> jsonDecode(String json) {
        try {
            return new TreeMap<>(JSON.readValue(json, new TypeReference<Map<String, String>>() {}));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("param " + name() + " is not a JSON object of strings: " + json, e);
        }
    }
}
