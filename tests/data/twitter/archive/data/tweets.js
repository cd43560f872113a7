window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "id_str" : "300",
      "id" : "300",
      "created_at" : "Fri Mar 01 09:00:00 +0000 2024",
      "full_text" : "Morning all",
      "favorite_count" : "4",
      "retweet_count" : "0",
      "display_text_range" : [ "0", "11" ],
      "entities" : { "hashtags" : [ ], "user_mentions" : [ ] }
    }
  },
  {
    "tweet" : {
      "id_str" : "301",
      "created_at" : "Fri Mar 01 09:30:00 +0000 2024",
      "full_text" : "@kim yes exactly",
      "in_reply_to_status_id_str" : "888",
      "in_reply_to_user_id_str" : "60",
      "in_reply_to_screen_name" : "kim",
      "favorite_count" : "1",
      "entities" : {
        "user_mentions" : [ { "name" : "Kim", "screen_name" : "kim", "indices" : [ "0", "4" ], "id_str" : "60", "id" : "60" } ]
      }
    }
  },
  {
    "tweet" : {
      "id_str" : "302",
      "created_at" : "Fri Mar 01 10:00:00 +0000 2024",
      "full_text" : "RT @lee: Big news",
      "favorite_count" : "0",
      "entities" : { "user_mentions" : [ { "screen_name" : "lee", "id_str" : "70" } ] }
    }
  },
  {
    "tweet" : {
      "id_str" : "303",
      "created_at" : "Fri Mar 01 11:00:00 +0000 2024",
      "full_text" : "Thread continues, thanks @lee",
      "in_reply_to_status_id_str" : "300",
      "in_reply_to_user_id_str" : "50",
      "favorite_count" : "2",
      "entities" : { "user_mentions" : [ { "screen_name" : "lee", "id_str" : "70" } ] }
    }
  }
]
